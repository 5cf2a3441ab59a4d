//! The route table of the OpenAPI document.

/// Every documented path with the methods it serves: to answer 405 with `Allow`, and to
/// name a request's route in the metrics.
#[derive(Debug, Default)]
pub struct Routes(Vec<Route>);

#[derive(Debug)]
struct Route {
    template: String,
    segments: Vec<String>,
    methods: Vec<String>,
}

impl Route {
    fn matches(&self, segments: &[&str]) -> bool {
        self.segments.len() == segments.len()
            && self
                .segments
                .iter()
                .zip(segments)
                .all(|(p, s)| (p.starts_with('{') && !s.is_empty()) || p == s)
    }

    fn parameters(&self) -> usize {
        self.segments.iter().filter(|p| p.starts_with('{')).count()
    }
}

impl Routes {
    /// From the OpenAPI document, which lists every served route.
    pub fn of(spec: &serde_json::Value) -> Self {
        Self(
            spec["paths"]
                .as_object()
                .into_iter()
                .flat_map(|paths| paths.iter())
                .map(|(path, item)| Route {
                    template: path.clone(),
                    segments: path.split('/').map(str::to_string).collect(),
                    methods: ["GET", "POST", "PUT", "PATCH", "DELETE"]
                        .into_iter()
                        .filter(|method| item.get(method.to_lowercase()).is_some())
                        .map(str::to_string)
                        .collect(),
                })
                .collect(),
        )
    }

    /// The routes a concrete path is served by. A route naming the path literally
    /// (`/registrations/confirm`) is the path's only route, not one with a parameter in its
    /// place (`/registrations/{id}`).
    fn serving(&self, path: &str) -> Vec<&Route> {
        let segments: Vec<&str> = path.split('/').collect();
        let matching: Vec<&Route> = self.0.iter().filter(|r| r.matches(&segments)).collect();
        let fewest = matching.iter().map(|r| r.parameters()).min();
        matching
            .into_iter()
            .filter(|r| Some(r.parameters()) == fewest)
            .collect()
    }

    /// The methods served at a concrete path; empty when no route matches it.
    pub fn methods_of(&self, path: &str) -> Vec<String> {
        let mut methods: Vec<String> = self
            .serving(path)
            .into_iter()
            .flat_map(|r| r.methods.iter().cloned())
            .collect();
        methods.sort();
        methods.dedup();
        methods
    }

    /// The documented route of a concrete path, e.g. `/api/v1/submissions/{id}`.
    pub fn template_of(&self, path: &str) -> Option<&str> {
        let segments: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .filter(|r| r.matches(&segments))
            .min_by_key(|r| r.parameters())
            .map(|r| r.template.as_str())
    }
}
