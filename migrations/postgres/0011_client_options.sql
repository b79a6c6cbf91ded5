-- Protocol extensions a client opts into (PAR, signed request objects, ...), as one JSON object.
ALTER TABLE clients ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
