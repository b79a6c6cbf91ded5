-- RFC 9449 §5: the DPoP key thumbprint a public client's refresh token is bound to.
ALTER TABLE refresh_tokens ADD COLUMN dpop_jkt TEXT;
