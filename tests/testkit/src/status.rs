//! `metav1.Status` failure objects, worded like the real API server's.

use serde_json::{Map, Value, json};

use crate::resources::Resource;

/// The user name that the fake server's authorizer "sees" (the kubeconfig's user).
pub(crate) const USER: &str = "learner";

/// A `Status` failure with `code`, `reason`, `message` and optional `details`.
pub(crate) fn failure(code: u16, reason: &str, message: &str, details: Option<Value>) -> Value {
    let mut status = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    });
    if let Some(details) = details {
        status["details"] = details;
    }
    status
}

/// 404 for a named object: `pods "init-demo" not found`, `statefulsets.apps "web" not found`,
/// with `details` naming the object, its group (omitted for the core group) and its resource.
pub(crate) fn not_found(resource: Resource, name: &str) -> Value {
    let mut details = Map::new();
    details.insert("name".into(), name.into());
    if !resource.group().is_empty() {
        details.insert("group".into(), resource.group().into());
    }
    details.insert("kind".into(), resource.plural().into());
    failure(
        404,
        "NotFound",
        &format!("{} \"{name}\" not found", resource.qualified()),
        Some(Value::Object(details)),
    )
}

/// 404 for a path that serves nothing.
pub(crate) fn no_such_path() -> Value {
    failure(404, "NotFound", "the server could not find the requested resource", Some(json!({})))
}

pub(crate) fn bad_request(message: &str) -> Value {
    failure(400, "BadRequest", message, None)
}

pub(crate) fn unauthorized() -> Value {
    failure(401, "Unauthorized", "Unauthorized", None)
}

pub(crate) fn method_not_allowed() -> Value {
    failure(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
        Some(json!({})),
    )
}

pub(crate) fn internal_error(cause: &str) -> Value {
    failure(
        500,
        "InternalError",
        &format!("Internal error occurred: {cause}"),
        Some(json!({"causes": [{"message": cause}]})),
    )
}

pub(crate) fn service_unavailable(message: &str) -> Value {
    failure(503, "ServiceUnavailable", message, None)
}

/// The `ERROR` object of a watch whose resourceVersion is older than the server's history.
pub(crate) fn expired(requested: u64, oldest: u64) -> Value {
    failure(410, "Expired", &format!("too old resource version: {requested} ({oldest})"), None)
}

/// What the authorizer is asked about a request: the inputs of its "forbidden" message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Attributes {
    pub verb: String,
    /// The API group, `""` for the core group.
    pub group: String,
    /// Empty for non-resource requests (then `path` is used).
    pub resource: String,
    pub subresource: String,
    pub namespace: String,
    pub name: String,
    pub path: String,
}

/// 403, worded like the RBAC authorizer's denial:
/// `pods "init-demo" is forbidden: User "learner" cannot get resource "pods" in API group "" in
/// the namespace "experiments"`.
pub(crate) fn forbidden(attrs: &Attributes) -> Value {
    let reason = if attrs.resource.is_empty() {
        format!("User \"{USER}\" cannot {} path \"{}\"", attrs.verb, attrs.path)
    } else {
        let resource = if attrs.subresource.is_empty() {
            attrs.resource.clone()
        } else {
            format!("{}/{}", attrs.resource, attrs.subresource)
        };
        let scope = if attrs.namespace.is_empty() {
            "at the cluster scope".to_owned()
        } else {
            format!("in the namespace \"{}\"", attrs.namespace)
        };
        format!(
            "User \"{USER}\" cannot {} resource \"{resource}\" in API group \"{}\" {scope}",
            attrs.verb, attrs.group
        )
    };
    // The subject names the resource qualified by its group, as kube-apiserver's messages do.
    let qualified = match attrs.group.as_str() {
        "" => attrs.resource.clone(),
        group => format!("{}.{group}", attrs.resource),
    };
    let subject = match (attrs.resource.as_str(), attrs.name.as_str()) {
        ("", _) => "forbidden".to_owned(),
        (_, "") => format!("{qualified} is forbidden"),
        (_, name) => format!("{qualified} \"{name}\" is forbidden"),
    };
    let mut details = Map::new();
    if !attrs.name.is_empty() {
        details.insert("name".into(), attrs.name.clone().into());
    }
    if !attrs.group.is_empty() {
        details.insert("group".into(), attrs.group.clone().into());
    }
    if !attrs.resource.is_empty() {
        details.insert("kind".into(), attrs.resource.clone().into());
    }
    failure(403, "Forbidden", &format!("{subject}: {reason}"), Some(Value::Object(details)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording_matches_the_real_server() {
        assert_eq!(
            serde_json::to_string(&not_found(Resource::Pods, "init-demo")).unwrap(),
            r#"{"apiVersion":"v1","code":404,"details":{"kind":"pods","name":"init-demo"},"kind":"Status","message":"pods \"init-demo\" not found","metadata":{},"reason":"NotFound","status":"Failure"}"#
        );
        let attrs = Attributes {
            verb: "list".into(),
            resource: "pods".into(),
            namespace: "experiments".into(),
            ..Attributes::default()
        };
        assert_eq!(
            forbidden(&attrs)["message"],
            "pods is forbidden: User \"learner\" cannot list resource \"pods\" in API group \"\" in the namespace \"experiments\""
        );
        let attrs = Attributes {
            verb: "get".into(),
            resource: "pods".into(),
            subresource: "log".into(),
            namespace: "experiments".into(),
            name: "init-demo".into(),
            ..Attributes::default()
        };
        let status = forbidden(&attrs);
        assert_eq!(
            status["message"],
            "pods \"init-demo\" is forbidden: User \"learner\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"experiments\""
        );
        assert_eq!(status["details"], json!({"name": "init-demo", "kind": "pods"}));
        let attrs = Attributes {
            verb: "get".into(),
            group: "apps".into(),
            resource: "statefulsets".into(),
            namespace: "experiments".into(),
            name: "web".into(),
            ..Attributes::default()
        };
        let status = forbidden(&attrs);
        assert_eq!(
            status["message"],
            "statefulsets.apps \"web\" is forbidden: User \"learner\" cannot get resource \"statefulsets\" in API group \"apps\" in the namespace \"experiments\""
        );
        assert_eq!(status["details"], json!({"name": "web", "group": "apps", "kind": "statefulsets"}));
        let missing = not_found(Resource::StatefulSets, "web");
        assert_eq!(missing["message"], "statefulsets.apps \"web\" not found");
        assert_eq!(missing["details"], json!({"name": "web", "group": "apps", "kind": "statefulsets"}));
    }
}
