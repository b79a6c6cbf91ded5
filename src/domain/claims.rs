//! The claims a client receives about a user: by scope (OIDC Core §5.4), by the `claims`
//! request parameter (§5.5) with the `acr` it may demand (§5.5.1.1), and which `acr` values
//! a session meets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::clock::UnixTime;
use crate::model::{ACR_OTP, ACR_PHR, ACR_PHRH, Email, Phone, User, UserId};

/// What tokens say about a user: the id (`sub`) and what the releasable claims are made of. An
/// authorization code carries it from the authorization request, so the token request need not
/// read the user again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    pub id: UserId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    #[serde(default)]
    pub email_verified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    #[serde(default)]
    pub phone_verified: bool,
    pub updated_at: UnixTime,
}

impl From<&User> for Subject {
    fn from(user: &User) -> Self {
        Subject {
            id: user.id.clone(),
            email: user.email.clone(),
            email_verified: user.email_verified,
            phone: user.phone.clone(),
            phone_verified: user.phone_verified,
            updated_at: user.updated_at,
        }
    }
}

/// The user claims Tessera can release, and the scope that releases each (OIDC Core §5.4).
const RELEASABLE: [(&str, &str); 5] = [
    ("email", "email"),
    ("email_verified", "email"),
    ("phone_number", "phone"),
    ("phone_number_verified", "phone"),
    ("updated_at", "profile"),
];

/// OIDC Core §5.5.1: how one claim is requested.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wanted {
    #[serde(default)]
    pub essential: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

/// OIDC Core §5.5: the claims asked for in the ID token and at userinfo, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimsRequest {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub id_token: BTreeMap<String, Wanted>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub userinfo: BTreeMap<String, Wanted>,
}

/// Reads the `claims` parameter: a JSON object whose members `id_token` and `userinfo` map
/// claim names to `null` or to an object of `essential`, `value` and `values`.
pub fn parse(raw: &str) -> Result<ClaimsRequest, String> {
    let value: Value = serde_json::from_str(raw).map_err(|_| "claims must be a JSON object.".to_string())?;
    let Value::Object(members) = value else { return Err("claims must be a JSON object.".into()) };
    let mut request = ClaimsRequest::default();
    for (target, list) in members {
        let into = match target.as_str() {
            "id_token" => &mut request.id_token,
            "userinfo" => &mut request.userinfo,
            // §5.5: other members are ignored, as unknown parameters are.
            _ => continue,
        };
        let Value::Object(list) = list else { return Err(format!("claims.{target} must be an object.")) };
        for (name, wanted) in list {
            let wanted = match wanted {
                Value::Null => Wanted::default(),
                other => serde_json::from_value(other).map_err(|e| format!("claims.{target}.{name}: {e}."))?,
            };
            into.insert(name, wanted);
        }
    }
    Ok(request)
}

/// What an authorization request demands of the sign-in's `acr`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcrDemand {
    /// Acceptable values, in the order asked.
    pub values: Vec<String>,
    /// §5.5.1.1: an essential `acr` that cannot be met fails the request.
    pub essential: bool,
}

/// The `acr` demand of a request: the `claims` parameter's `id_token.acr` when present, else
/// `acr_values` (OIDC Core §3.1.2.1), which is voluntary.
pub fn acr_demand(claims: Option<&ClaimsRequest>, acr_values: Option<&str>) -> Option<AcrDemand> {
    if let Some(wanted) = claims.and_then(|c| c.id_token.get("acr")) {
        let values = match (&wanted.value, &wanted.values) {
            (Some(one), _) => vec![one.clone()],
            (None, Some(list)) => list.clone(),
            (None, None) => return None,
        };
        return Some(AcrDemand { values, essential: wanted.essential });
    }
    let values: Vec<String> = acr_values?.split(' ').filter(|v| !v.is_empty()).map(str::to_owned).collect();
    (!values.is_empty()).then_some(AcrDemand { values, essential: false })
}

/// The strength of an `acr` Tessera issues: a one-time code, then a passkey, then a
/// device-bound passkey. Unknown values have none.
fn rank(acr: &str) -> Option<u8> {
    match acr {
        ACR_OTP => Some(1),
        ACR_PHR => Some(2),
        ACR_PHRH => Some(3),
        _ => None,
    }
}

impl AcrDemand {
    /// The weakest acceptable strength, if any asked-for value is one Tessera issues.
    fn floor(&self) -> Option<u8> {
        self.values.iter().filter_map(|v| rank(v)).min()
    }

    /// Whether a sign-in with `acr` meets the demand: as strong as one of the values asked for.
    pub fn met_by(&self, acr: &str) -> bool {
        match (self.floor(), rank(acr)) {
            (Some(floor), Some(have)) => have >= floor,
            // Nothing asked for is known: a voluntary request is answered as it can be.
            (None, _) => !self.essential,
            (Some(_), None) => false,
        }
    }

    /// Whether any sign-in could meet it, with or without passkeys on this server.
    pub fn can_be_met(&self, passkeys: bool) -> bool {
        match self.floor() {
            Some(floor) => floor < 2 || passkeys,
            None => !self.essential,
        }
    }

    /// Only a passkey can meet it: the sign-in pages offer nothing else.
    pub fn needs_passkey(&self) -> bool {
        self.floor().is_some_and(|f| f >= 2)
    }
}

/// The user's claims released by `scope` or asked for by name in `requested`.
pub fn user_claims<'a>(
    user: &Subject,
    scope: &[String],
    requested: impl IntoIterator<Item = &'a String>,
) -> Map<String, Value> {
    let requested: Vec<&String> = requested.into_iter().collect();
    let released = |name: &str| {
        RELEASABLE.iter().any(|(claim, by)| {
            *claim == name && (scope.iter().any(|s| s == by) || requested.iter().any(|r| *r == name))
        })
    };
    let mut out = Map::new();
    if let Some(email) = &user.email {
        if released("email") {
            out.insert("email".into(), json!(email.as_str()));
        }
        if released("email_verified") {
            out.insert("email_verified".into(), json!(user.email_verified));
        }
    }
    if let Some(phone) = &user.phone {
        if released("phone_number") {
            out.insert("phone_number".into(), json!(phone.as_str()));
        }
        if released("phone_number_verified") {
            out.insert("phone_number_verified".into(), json!(user.phone_verified));
        }
    }
    if released("updated_at") {
        out.insert("updated_at".into(), json!(user.updated_at));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_claims_parameter_reads_null_and_detailed_requests_and_refuses_other_shapes() {
        let parsed = parse(r#"{"id_token":{"email":null,"acr":{"essential":true,"values":["phr","phrh"]}},"userinfo":{"phone_number":{"essential":true}},"other":1}"#).unwrap();
        assert_eq!(parsed.id_token["email"], Wanted::default());
        assert_eq!(parsed.id_token["acr"].values.as_deref(), Some(&["phr".to_string(), "phrh".to_string()][..]));
        assert!(parsed.userinfo["phone_number"].essential);
        for bad in ["[]", "not json", r#"{"id_token":[]}"#, r#"{"id_token":{"acr":{"essential":"yes"}}}"#] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_acr_in_the_claims_parameter_takes_precedence_over_acr_values() {
        let claims = parse(r#"{"id_token":{"acr":{"essential":true,"value":"phr"}}}"#).unwrap();
        let demand = acr_demand(Some(&claims), Some("aal1")).unwrap();
        assert_eq!((demand.values, demand.essential), (vec!["phr".to_string()], true));
        let voluntary = acr_demand(None, Some("phr  aal1")).unwrap();
        assert_eq!((voluntary.values.len(), voluntary.essential), (2, false));
        assert_eq!(acr_demand(None, None), None);
    }

    #[test]
    fn a_stronger_sign_in_meets_a_weaker_demand_but_not_the_reverse() {
        let phr = AcrDemand { values: vec!["phr".into()], essential: true };
        assert!(phr.met_by("phr") && phr.met_by("phrh") && !phr.met_by("aal1"));
        assert!(phr.needs_passkey());
        let either = AcrDemand { values: vec!["phr".into(), "aal1".into()], essential: false };
        assert!(either.met_by("aal1") && !either.needs_passkey());
        let unknown = AcrDemand { values: vec!["urn:other".into()], essential: false };
        assert!(unknown.met_by("aal1"), "a voluntary unknown value is answered as it can be");
        assert!(!AcrDemand { essential: true, ..unknown.clone() }.met_by("phrh"), "an essential unknown one fails");
        assert!(unknown.can_be_met(false) && !AcrDemand { essential: true, ..unknown }.can_be_met(true));
        assert!(phr.can_be_met(true) && !phr.can_be_met(false), "a passkey demand needs passkeys");
    }
}
