//! `[[clients]]` and `[[bridges]]`: the relying parties and brokers declared in the file (the
//! directory holds those registered at run time, in the same shapes).

use serde::{Deserialize, Serialize};

/// A client declared in the file; clients added with the CLI live in the directory instead.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// Absent for public clients (`token_endpoint_auth_method = "none"`).
    #[serde(default)]
    pub secret: Option<String>,
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    #[serde(default = "default_auth_method")]
    pub token_endpoint_auth_method: String,
    #[serde(default = "default_alg")]
    pub id_token_signed_response_alg: String,
    /// For `private_key_jwt`: where the client publishes its JWK Set (fetched and cached) ...
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// ... or the JWK Set itself, as JSON.
    #[serde(default)]
    pub jwks: Option<String>,
    /// OIDC Back-Channel Logout: where to POST a logout token when a session ends.
    #[serde(default)]
    pub backchannel_logout_uri: Option<String>,
    #[serde(default)]
    pub backchannel_logout_session_required: bool,
    /// Scopes the client may request for itself with the client_credentials grant.
    #[serde(default)]
    pub client_credentials_scopes: Vec<String>,
    /// Overrides `login.email_sends` for this client: `code`, `link` or `both`.
    #[serde(default)]
    pub email_sends: Option<String>,
    /// Overrides `login.cross_device_links` for this client.
    #[serde(default)]
    pub cross_device_links: Option<bool>,
    /// Allows the embedded APIs: `/passwordless/start`, the passwordless OTP grant, `/verify`.
    #[serde(default)]
    pub passwordless: bool,
    /// Where `/verify` requests POST their final status (a JWT signed by Tessera).
    #[serde(default)]
    pub verify_callback_url: Option<String>,
    /// The application's logo on the login pages (https).
    #[serde(default)]
    pub logo_uri: Option<String>,
    /// The application's accent colour on the login pages, as `#rrggbb`.
    #[serde(default)]
    pub primary_color: Option<String>,
    /// A third-party application: the user is asked to consent to the scopes it requests.
    #[serde(default)]
    pub third_party: bool,
}

fn default_auth_method() -> String {
    "client_secret_basic".into()
}

fn default_alg() -> String {
    "RS256".into()
}
