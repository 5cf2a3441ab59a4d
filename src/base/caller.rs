//! Who is calling, as every layer speaks of it: the role a token grants, the caller it
//! identifies (or none), and which authority's rows the caller's database work may see.

use uuid::Uuid;

crate::text_enum! {
    /// The role a token grants.
    Role {
        Admin = "admin",
        AuthorityAdmin = "authority_admin",
        Moderator = "moderator",
        Partner = "partner",
    }
}

impl Role {
    /// Roles of an authority's staff, which act for one authority only.
    pub fn acts_for_an_authority(self) -> bool {
        matches!(self, Self::AuthorityAdmin | Self::Moderator)
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
    /// The authority an authority's staff act for: its slug, as the token names it, and
    /// its id once the service has looked the slug up.
    pub authority: Option<AuthorityOfCaller>,
}

/// The authority a staff token names.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorityOfCaller {
    pub slug: String,
    pub id: Option<Uuid>,
}

impl AuthorityOfCaller {
    pub fn named(slug: impl Into<String>) -> Self {
        Self {
            slug: slug.into(),
            id: None,
        }
    }
}

impl Principal {
    pub fn is_staff(&self) -> bool {
        matches!(
            self.role,
            Role::Admin | Role::AuthorityAdmin | Role::Moderator
        )
    }

    /// How this caller appears in event logs, e.g. `partner:0190…`, `admin:jane`, staff of
    /// an authority with its slug `moderator@kreis-mettmann:0190…`, or for a person signed
    /// in at the identity provider `moderator@…:oidc:<sub> (Name)`.
    pub fn actor(&self) -> String {
        let role = match &self.authority {
            Some(authority) => format!("{}@{}", self.role, authority.slug),
            None => self.role.to_string(),
        };
        match &self.display_name {
            Some(name) => format!("{role}:{} ({name})", self.subject),
            None => format!("{role}:{}", self.subject),
        }
    }

    /// The organisation of a partner; `None` for staff.
    pub fn partner_organisation(&self) -> Option<Uuid> {
        match self.role {
            Role::Partner => self.organisation_id,
            _ => None,
        }
    }

    /// The authority an authority's staff act for, once known; `None` for everyone else.
    pub fn authority_id(&self) -> Option<Uuid> {
        match self.role {
            Role::AuthorityAdmin | Role::Moderator => self.authority.as_ref()?.id,
            _ => None,
        }
    }

    /// Which authority's rows this caller's database work may see.
    pub fn scope(&self) -> Scope {
        match (self.role.acts_for_an_authority(), self.authority_id()) {
            (false, _) => Scope::Every,
            (true, Some(id)) => Scope::Authority(id),
            // Refused before any database work; should it come to that, it sees nothing.
            (true, None) => Scope::Authority(Uuid::nil()),
        }
    }
}

/// Which authority's rows a database connection may see; row-level security holds it to
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every authority's: anonymous callers, partners, the platform admin, background jobs
    /// (the service's own rules decide what they see).
    Every,
    Authority(Uuid),
}

impl Scope {
    /// The value of the `beteiligung.authority` setting the policies read.
    pub fn setting(self) -> String {
        match self {
            Self::Every => "*".to_string(),
            Self::Authority(id) => id.to_string(),
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

    pub fn scope(&self) -> Scope {
        self.0.as_ref().map_or(Scope::Every, Principal::scope)
    }
}
