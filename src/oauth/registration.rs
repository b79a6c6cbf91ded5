//! `/register` (RFC 7591) and `/register/{client_id}` (RFC 7592): clients register themselves
//! when the operator allows it (openly or with an initial access token), then read, update and
//! delete their registration with the registration access token they were given.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::crypto;
use crate::domain::clients;
use crate::domain::registration::{self, Invalid, Metadata};
use crate::model::{AuthMethod, Client};
use crate::state::AppState;

/// RFC 7591 §3.2.2 and RFC 6750 §3.1 refusals.
pub enum Refused {
    Invalid(Invalid),
    Token,
    NotFound,
    Unavailable(crate::store::StoreError),
}

impl From<crate::store::StoreError> for Refused {
    fn from(e: crate::store::StoreError) -> Self {
        Refused::Unavailable(e)
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let (status, code, description) = match self {
            Refused::Invalid(Invalid::RedirectUri(why)) => (StatusCode::BAD_REQUEST, "invalid_redirect_uri", why),
            Refused::Invalid(Invalid::Metadata(why)) => (StatusCode::BAD_REQUEST, "invalid_client_metadata", why),
            Refused::Token => {
                (StatusCode::UNAUTHORIZED, "invalid_token", "The access token is missing or wrong.".into())
            }
            Refused::NotFound => (StatusCode::NOT_FOUND, "invalid_request", "Registration is not offered here.".into()),
            Refused::Unavailable(e) => {
                tracing::error!(error = %e, "store error during registration");
                (StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", "Try again shortly.".into())
            }
        };
        let mut response = (status, Json(json!({"error": code, "error_description": description}))).into_response();
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
        }
        response
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    crate::web::origin::credentials(value, "Bearer")
}

fn metadata(body: &[u8]) -> Result<Metadata, Refused> {
    serde_json::from_slice(body).map_err(|e| Refused::Invalid(Invalid::Metadata(format!("not client metadata: {e}"))))
}

/// `POST /register`: a new client from its metadata (RFC 7591 §3.1).
pub async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, Refused> {
    let oauth = &state.config.oauth;
    if !oauth.registration {
        return Err(Refused::NotFound);
    }
    // RFC 7591 §3: with initial access tokens configured, one of them is required.
    if !oauth.registration_tokens.is_empty() {
        let presented = bearer(&headers).ok_or(Refused::Token)?;
        if !oauth.registration_tokens.iter().any(|t| crypto::constant_time_eq(t.as_bytes(), presented.as_bytes())) {
            return Err(Refused::Token);
        }
    }
    let meta = metadata(&body)?;
    let id = crypto::random_id();
    let needs_secret = matches!(
        registration::auth_method(&meta).parse(),
        Ok(AuthMethod::ClientSecretBasic | AuthMethod::ClientSecretPost)
    );
    let secret = needs_secret.then(crypto::random_token);
    let config = registration::client_config(&meta, &id, secret.clone()).map_err(Refused::Invalid)?;
    registration::check_sector(&state, &meta).await.map_err(Refused::Invalid)?;
    let mut client = clients::from_config(&config);
    let (token, hash) = registration::new_access_token();
    client.options.registration_access_token = Some(hash);
    let now = state.clock.now();
    state.directory.insert_client(&client, now).await?;
    state.audit("client_registered", None, Some(&client.id), None, json!({"redirect_uris": client.redirect_uris}));
    let mut answer = answer(&state, &client, &meta);
    answer["client_id_issued_at"] = json!(now);
    answer["registration_access_token"] = json!(token);
    if let Some(secret) = secret {
        answer["client_secret"] = json!(secret);
        answer["client_secret_expires_at"] = json!(0);
    }
    Ok((StatusCode::CREATED, [(header::CACHE_CONTROL, "no-store")], Json(answer)).into_response())
}

/// The registration as the client sees it: its metadata, id and management URI.
fn answer(state: &AppState, client: &Client, meta: &Metadata) -> Value {
    let mut out = serde_json::to_value(meta).unwrap_or_else(|_| json!({}));
    out["client_id"] = json!(client.id);
    out["token_endpoint_auth_method"] = json!(client.auth_method.as_str());
    out["id_token_signed_response_alg"] = json!(client.signing_alg.as_str());
    out["registration_client_uri"] = json!(state.url(&format!("/register/{}", client.id)));
    out
}

/// The client a registration access token manages (RFC 7592 §3).
async fn managed(state: &AppState, headers: &HeaderMap, id: &str) -> Result<Client, Refused> {
    let presented = bearer(headers).ok_or(Refused::Token)?;
    let client = state.directory.client(id).await?.ok_or(Refused::Token)?;
    let expected = client.options.registration_access_token.as_deref().ok_or(Refused::Token)?;
    let hash = crypto::sha256_hex(presented.as_bytes());
    if !crypto::constant_time_eq(hash.as_bytes(), expected.as_bytes()) {
        return Err(Refused::Token);
    }
    Ok(client)
}

/// `GET /register/{client_id}` (RFC 7592 §2.1).
pub async fn read(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Refused> {
    let client = managed(&state, &headers, &id).await?;
    let meta = stored_metadata(&client);
    Ok((StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], Json(answer(&state, &client, &meta))).into_response())
}

/// `PUT /register/{client_id}` (RFC 7592 §2.2): the metadata replaced; the id, the secret and
/// the registration access token stay.
pub async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, Refused> {
    let current = managed(&state, &headers, &id).await?;
    let raw: Value = serde_json::from_slice(&body).map_err(|e| Refused::Invalid(Invalid::Metadata(e.to_string())))?;
    if raw.get("client_id").and_then(Value::as_str) != Some(id.as_str()) {
        return Err(Refused::Invalid(Invalid::Metadata("client_id must be the client's own".into())));
    }
    let meta = metadata(&body)?;
    if registration::auth_method(&meta) != current.auth_method.as_str() {
        return Err(Refused::Invalid(Invalid::Metadata("token_endpoint_auth_method cannot change".into())));
    }
    // A placeholder secret passes the checks; the stored hash is kept below.
    let placeholder = current.secret_hash.map(|_| crypto::random_token());
    let config = registration::client_config(&meta, &id, placeholder).map_err(Refused::Invalid)?;
    registration::check_sector(&state, &meta).await.map_err(Refused::Invalid)?;
    let mut client = clients::from_config(&config);
    client.secret_hash = current.secret_hash;
    client.options.registration_access_token = current.options.registration_access_token.clone();
    state.directory.update_client(&client, state.clock.now()).await?;
    Ok((StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], Json(answer(&state, &client, &meta))).into_response())
}

/// `DELETE /register/{client_id}` (RFC 7592 §2.3).
pub async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Refused> {
    let client = managed(&state, &headers, &id).await?;
    state.directory.delete_client(&client.id).await?;
    state.audit("client_deregistered", None, Some(&client.id), None, json!({}));
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A stored client's registration read back as metadata.
fn stored_metadata(c: &Client) -> Metadata {
    Metadata {
        redirect_uris: c.redirect_uris.clone(),
        token_endpoint_auth_method: Some(c.auth_method.as_str().into()),
        client_name: Some(c.name.clone()),
        logo_uri: c.logo_uri.clone(),
        jwks: c.jwks.as_deref().and_then(|j| serde_json::from_str(j).ok()),
        jwks_uri: c.jwks_uri.clone(),
        sector_identifier_uri: c.options.sector_identifier_uri.clone(),
        subject_type: Some(c.options.subject_type.as_str().into()),
        id_token_signed_response_alg: Some(c.signing_alg.as_str().into()),
        userinfo_signed_response_alg: c.options.userinfo_signed_response_alg.map(|a| a.as_str().into()),
        post_logout_redirect_uris: c.post_logout_redirect_uris.clone(),
        backchannel_logout_uri: c.backchannel_logout_uri.clone(),
        backchannel_logout_session_required: c.backchannel_logout_session_required,
        dpop_bound_access_tokens: c.options.dpop_bound_access_tokens,
        require_pushed_authorization_requests: c.options.require_pushed_authorization_requests,
        require_signed_request_object: c.options.require_signed_request_object,
        ..Metadata::default()
    }
}
