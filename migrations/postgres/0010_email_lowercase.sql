-- Email addresses are stored lower-cased whole (see model::Email). Existing addresses move to that
-- form unless another address differs from them only in case: those accounts stay as they are,
-- for an operator to merge.
UPDATE identifiers SET value = lower(value)
WHERE kind = 'email'
  AND value <> lower(value)
  AND (SELECT count(*) FROM identifiers o WHERE o.kind = 'email' AND lower(o.value) = lower(identifiers.value)) = 1;
