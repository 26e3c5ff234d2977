//! Every route of the server is declared through [`Routes`], which adds it to
//! the axum router and writes (method, path) down, so the full list can be
//! read back ([`crate::route_list`]) and the authorization-matrix test can
//! fail on a route that has no row.

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodRouter, get, post};

use crate::AppState;

/// A router and the list of what it serves.
pub(crate) struct Routes {
    router: Router<AppState>,
    list: Vec<(&'static str, String)>,
}

impl Routes {
    pub(crate) fn new() -> Self {
        Self {
            router: Router::new(),
            list: Vec::new(),
        }
    }

    /// A route with its own layers; `method` names the one it serves.
    pub(crate) fn route(
        mut self,
        method: &'static str,
        path: &str,
        route: MethodRouter<AppState>,
    ) -> Self {
        // axum merges method routers given for the same path.
        self.router = self.router.route(path, route);
        self.list.push((method, path.to_owned()));
        self
    }

    pub(crate) fn get<H, T>(self, path: &str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.route("GET", path, get(handler))
    }

    pub(crate) fn post<H, T>(self, path: &str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.route("POST", path, post(handler))
    }

    pub(crate) fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.list.extend(other.list);
        self
    }

    /// Adds an API router whose operations are listed in its OpenAPI
    /// document: the document is the list.
    pub(crate) fn merge_documented(
        mut self,
        router: Router<AppState>,
        doc: &utoipa::openapi::OpenApi,
    ) -> Self {
        self.router = self.router.merge(router);
        for (path, item) in &doc.paths.paths {
            for (method, operation) in [
                ("GET", &item.get),
                ("POST", &item.post),
                ("PUT", &item.put),
                ("DELETE", &item.delete),
                ("PATCH", &item.patch),
            ] {
                if operation.is_some() {
                    self.list.push((method, path.clone()));
                }
            }
        }
        self
    }

    pub(crate) fn into_parts(self) -> (Router<AppState>, Vec<(&'static str, String)>) {
        (self.router, self.list)
    }
}
