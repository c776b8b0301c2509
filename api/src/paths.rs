//! Where each resource lives below `/api`, built in one place: segments
//! are percent-encoded, so a tool named `a/b` or a member `x@y` cannot
//! reach another route. The control plane checks that each path here is
//! one it registered.

use portcullis_tenant_config::encoding::percent_encode;

pub const SESSION: &str = "/v1/session";
pub const TENANTS: &str = "/v1/tenants";

/// The tenant `slug`'s resources.
pub fn tenant(slug: &str) -> TenantPaths {
    TenantPaths(format!("{TENANTS}/{}", percent_encode(slug)))
}

/// The paths of one tenant's resources; `root()` is the tenant itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantPaths(String);

macro_rules! collections {
    ($($name:ident => $segment:literal),* $(,)?) => {$(
        #[doc = concat!("`…/", $segment, "`")]
        pub fn $name(&self) -> String {
            format!("{}/{}", self.0, $segment)
        }
    )*};
}

macro_rules! items {
    ($($name:ident => $segment:literal),* $(,)?) => {$(
        #[doc = concat!("`…/", $segment, "/{id}`")]
        pub fn $name(&self, id: impl std::fmt::Display) -> String {
            format!("{}/{}/{}", self.0, $segment, percent_encode(&id.to_string()))
        }
    )*};
}

impl TenantPaths {
    pub fn root(&self) -> String {
        self.0.clone()
    }

    collections! {
        limits => "limits",
        memory => "memory",
        auth => "auth",
        auth_test => "auth/test",
        tools => "tools",
        prompts => "prompts",
        resources => "resources",
        resource_templates => "resource-templates",
        publish => "publish",
        deployments => "deployments",
        rollback => "rollback",
        diff => "diff",
        edge => "edge",
        members => "members",
        tokens => "tokens",
        clients => "clients",
        grants => "grants",
        audit => "audit",
        usage => "usage",
        assertion_keys => "assertion-keys",
        assertion_keys_rotate => "assertion-keys/rotate",
        assertion_keys_retire => "assertion-keys/retire",
        openapi_preview => "openapi/preview",
        openapi_import => "openapi/import",
        mcp_preview => "mcp-servers/preview",
        mcp_import => "mcp-servers/import",
    }

    items! {
        tool => "tools",
        prompt => "prompts",
        resource => "resources",
        resource_template => "resource-templates",
        version => "versions",
        member => "members",
        token => "tokens",
        client => "clients",
        grant => "grants",
    }

    /// `…/tools/{name}/try`
    pub fn tool_try(&self, name: &str) -> String {
        format!("{}/try", self.tool(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_cannot_leave_its_place() {
        let acme = tenant("acme");
        assert_eq!(acme.root(), "/v1/tenants/acme");
        assert_eq!(acme.tool("a/../b"), "/v1/tenants/acme/tools/a%2F..%2Fb");
        assert_eq!(acme.member("x@y.com"), "/v1/tenants/acme/members/x%40y.com");
        assert_eq!(acme.tool_try("t"), "/v1/tenants/acme/tools/t/try");
        assert_eq!(tenant("a?b").limits(), "/v1/tenants/a%3Fb/limits");
    }
}
