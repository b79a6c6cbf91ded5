-- The claims request parameter (OIDC Core §5.5) of a refresh token's grant, as JSON.
ALTER TABLE refresh_tokens ADD COLUMN claims TEXT;
