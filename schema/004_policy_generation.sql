-- peertrust store, version 4: a counter that every change able to alter a decision moves, in
-- the change's own transaction. PRAGMA data_version tells a reader only that someone committed;
-- pin statistics (pin_stats, hashed_pin_stats) are committed every few seconds and change no
-- verdict, so a reader compares this counter before it drops its verdict cache.

CREATE TABLE policy_generation (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
) STRICT;
INSERT INTO policy_generation (id, value) VALUES (1, 0);

CREATE TRIGGER protocols_insert AFTER INSERT ON protocols
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER protocols_update AFTER UPDATE ON protocols
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER protocols_delete AFTER DELETE ON protocols
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER anchors_insert AFTER INSERT ON anchors
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER anchors_update AFTER UPDATE ON anchors
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER anchors_delete AFTER DELETE ON anchors
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER anchor_scopes_insert AFTER INSERT ON anchor_scopes
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER anchor_scopes_update AFTER UPDATE ON anchor_scopes
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER anchor_scopes_delete AFTER DELETE ON anchor_scopes
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER anchor_subtrees_insert AFTER INSERT ON anchor_subtrees
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER anchor_subtrees_update AFTER UPDATE ON anchor_subtrees
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER anchor_subtrees_delete AFTER DELETE ON anchor_subtrees
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER distrust_insert AFTER INSERT ON distrust
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER distrust_update AFTER UPDATE ON distrust
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER distrust_delete AFTER DELETE ON distrust
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER pins_insert AFTER INSERT ON pins
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER pins_update AFTER UPDATE ON pins
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER pins_delete AFTER DELETE ON pins
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER hashed_pins_insert AFTER INSERT ON hashed_pins
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER hashed_pins_update AFTER UPDATE ON hashed_pins
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER hashed_pins_delete AFTER DELETE ON hashed_pins
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER crls_insert AFTER INSERT ON crls
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER crls_update AFTER UPDATE ON crls
    BEGIN UPDATE policy_generation SET value = value + 1; END;
CREATE TRIGGER crls_delete AFTER DELETE ON crls
    BEGIN UPDATE policy_generation SET value = value + 1; END;
