-- A clock's due is either N working days from its start (recomputed when a
-- calendar year is reloaded) or a fixed date: a dated limit of the dispatch
-- (own or statutory) or an approved extension. `extended` only said the
-- latter, so a forced calendar reload moved dated limits; `fixed_due` says
-- both. (Dated clocks started before this migration cannot be told from
-- working-day ones and stay recomputable.)
ALTER TABLE clock CHANGE COLUMN extended fixed_due TINYINT NOT NULL DEFAULT 0;
