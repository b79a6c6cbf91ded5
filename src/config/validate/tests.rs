//! The configuration's validation rules, one test per rule.

use crate::config::Config;

fn err(toml: &str) -> String {
    Config::from_toml(toml, Vec::new()).unwrap_err().to_string()
}

#[test]
fn empty_configuration_is_valid() {
    Config::from_toml("", Vec::new()).unwrap();
}

#[test]
fn unknown_keys_are_refused() {
    assert!(err("isuser = \"x\"").contains("isuser"));
}

#[test]
fn production_requires_https_issuer() {
    assert!(err("mode = \"production\"\nissuer = \"http://id.example.com\"").contains("`issuer`"));
}

#[test]
fn smtp_transport_requires_a_host() {
    assert!(err("[email]\ntransport = \"smtp\"").contains("email.smtp.host"));
}

#[test]
fn pairwise_subjects_need_one_sector_and_request_object_keys_need_a_reason() {
    let public = "[[clients]]\nid = \"app\"\ntoken_endpoint_auth_method = \"none\"\n";
    let two_hosts = "redirect_uris = [\"https://a.example/cb\", \"https://b.example/cb\"]\n";
    let e = err(&format!("{public}{two_hosts}subject_type = \"pairwise\""));
    assert!(e.contains("clients[0].sector_identifier_uri"), "{e}");
    let named =
        format!("{public}{two_hosts}subject_type = \"pairwise\"\nsector_identifier_uri = \"https://a.example/s.json\"");
    Config::from_toml(&named, Vec::new()).unwrap();
    let e = err(&format!("{public}{two_hosts}subject_type = \"secret\""));
    assert!(e.contains("clients[0].subject_type"), "{e}");
    let e = err(&format!("{public}{two_hosts}jwks = '{{\"keys\":[]}}'"));
    assert!(e.contains("clients[0].jwks"), "keys without private_key_jwt or signed requests: {e}");
    let e = err(&format!("{public}{two_hosts}require_signed_request_object = true"));
    assert!(e.contains("clients[0].jwks"), "signed requests need keys: {e}");
}

#[test]
fn a_fapi2_client_authenticates_by_private_key_jwt_and_signs_without_rs256() {
    let base =
        "[[clients]]\nid = \"app\"\nredirect_uris = [\"https://app.example/cb\"]\nsecurity_profile = \"fapi2\"\n";
    let secret = format!("{base}secret = \"0123456789abcdef0123\"\nid_token_signed_response_alg = \"ES256\"");
    assert!(err(&secret).contains("clients[0].token_endpoint_auth_method"));
    let keys = format!("{base}token_endpoint_auth_method = \"private_key_jwt\"\njwks = '{{\"keys\":[]}}'\n");
    assert!(err(&keys).contains("clients[0].id_token_signed_response_alg"), "RS256 by default");
    Config::from_toml(&format!("{keys}id_token_signed_response_alg = \"ES256\""), Vec::new()).unwrap();
    assert!(err(&format!("{keys}security_profile = \"fapi1\"")).contains("security_profile"));
}

#[test]
fn confidential_client_needs_a_long_secret() {
    let e = err("[[clients]]\nid = \"app\"\nsecret = \"short\"\nredirect_uris = [\"https://app.example/cb\"]");
    assert!(e.contains("clients[0].secret"), "{e}");
}

#[test]
fn redirect_uris_with_fragments_or_plain_http_are_refused() {
    let base = "[[clients]]\nid = \"app\"\ntoken_endpoint_auth_method = \"none\"\n";
    assert!(err(&format!("{base}redirect_uris = [\"https://a.example/cb#x\"]")).contains("fragment"));
    assert!(err(&format!("{base}redirect_uris = [\"http://a.example/cb\"]")).contains("loopback"));
}

#[test]
fn redirect_uris_with_cr_lf_or_tab_are_refused() {
    let base = "[[clients]]\nid = \"app\"\ntoken_endpoint_auth_method = \"none\"\n";
    for uri in
        ["https://a.example/c\\rb", "https://a.example/c\\nb", "https://a.example/\\tcb", " https://a.example/cb"]
    {
        let e = err(&format!("{base}redirect_uris = [\"{uri}\"]"));
        assert!(e.contains("control characters"), "{uri}: {e}");
    }
}

#[test]
fn a_private_scheme_redirect_uri_with_a_nul_or_cr_is_refused() {
    // Found by the `redirect_uri` fuzz target.
    for uri in ["a.:]/.\0\r", "com.example.app:/cb\0"] {
        assert!(crate::config::check_redirect_uri(uri).is_err(), "{uri:?}");
    }
}

#[test]
fn unsupported_signing_algorithm_is_named() {
    let e = err(
        "[[clients]]\nid = \"app\"\ntoken_endpoint_auth_method = \"none\"\nid_token_signed_response_alg = \"HS256\"\nredirect_uris = [\"https://a.example/cb\"]",
    );
    assert!(e.contains("id_token_signed_response_alg"), "{e}");
}

#[test]
fn lifetimes_out_of_range_are_refused() {
    assert!(err("[lifetimes]\nauthorization_code = 3600").contains("lifetimes.authorization_code"));
}

/// The example configuration in `deploy/`.
mod example {
    use crate::config::Config;

    #[test]
    fn example_config_is_valid_and_states_the_defaults() {
        let example = Config::from_toml(include_str!("../../../deploy/tessera.example.toml"), Vec::new()).unwrap();
        assert_eq!(toml::Value::try_from(&example).unwrap(), toml::Value::try_from(Config::default()).unwrap());
    }

    #[test]
    fn deploy_configs_are_valid_as_shipped() {
        let production =
            Config::from_toml(include_str!("../../../deploy/tessera.production.toml"), Vec::new()).unwrap();
        assert_eq!(production.mode, crate::config::Mode::Production);
        assert!(!production.proxy.trusted.is_empty() && !production.metrics.listen.is_empty());
        Config::from_toml(include_str!("../../../deploy/tessera.container.toml"), Vec::new()).unwrap();
        // The ConfigMap embeds a tessera.toml under `tessera.toml: |`.
        let configmap = include_str!("../../../deploy/k8s/configmap.yaml");
        let embedded: String = configmap
            .split_once("tessera.toml: |")
            .map(|(_, rest)| rest.lines().map(|l| l.strip_prefix("    ").unwrap_or(l)).collect::<Vec<_>>().join("\n"))
            .unwrap();
        let k8s = Config::from_toml(&embedded, Vec::new()).unwrap();
        assert_eq!(k8s.mode, crate::config::Mode::Production);
    }
}

#[test]
fn the_console_takes_a_known_acr_that_can_be_met_and_operators_by_address() {
    assert!(err("[console]\nacr = \"gold\"").contains("console.acr"));
    assert!(err("[console]\nacr = \"phr\"\n[passkeys]\nenabled = false").contains("passkeys.enabled is false"));
    assert!(err("[console]\noperators = [\"not an address\"]").contains("console.operators"));
    let config = Config::from_toml("[console]\nacr = \"phr\"\noperators = [\"ops@example.com\"]", []).unwrap();
    assert_eq!(config.console.acr, "phr");
}
