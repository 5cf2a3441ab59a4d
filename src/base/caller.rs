//! Who is calling, as every layer speaks of it: the role a token grants and the caller it
//! identifies (or none).

use uuid::Uuid;

crate::text_enum! {
    /// The role a token grants.
    Role {
        Admin = "admin",
        Moderator = "moderator",
        Partner = "partner",
    }
}

/// An authenticated caller, from a valid token.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// The token's `sub`: an API client id or the name given to `beteiligung token`.
    pub subject: String,
    pub role: Role,
    /// The organisation a partner acts for.
    pub organisation_id: Option<Uuid>,
    /// The person's name, for people signed in at the ministry's identity provider.
    pub display_name: Option<String>,
}

impl Principal {
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Moderator)
    }

    /// How this caller appears in event logs, e.g. `partner:0190…`, `admin:jane`, or for a
    /// person signed in at the identity provider `moderator:oidc:<sub> (Name)`.
    pub fn actor(&self) -> String {
        match &self.display_name {
            Some(name) => format!("{}:{} ({name})", self.role, self.subject),
            None => format!("{}:{}", self.role, self.subject),
        }
    }

    /// The organisation of a partner; `None` for staff.
    pub fn partner_organisation(&self) -> Option<Uuid> {
        match self.role {
            Role::Partner => self.organisation_id,
            _ => None,
        }
    }
}

/// The caller, authenticated or anonymous.
#[derive(Debug, Clone)]
pub struct Caller(pub Option<Principal>);

impl Caller {
    pub fn principal(&self) -> Option<&Principal> {
        self.0.as_ref()
    }

    /// How this caller appears in event logs.
    pub fn actor(&self) -> String {
        self.0
            .as_ref()
            .map_or_else(|| "anonymous".to_string(), Principal::actor)
    }

    /// The organisation a partner caller acts for.
    pub fn partner_organisation(&self) -> Option<Uuid> {
        self.0.as_ref().and_then(Principal::partner_organisation)
    }
}
