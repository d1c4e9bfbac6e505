package sqlstore

import (
	"context"
	"fmt"
	"strings"
)

// Where secrets are stored (see keyring.go). Each row's secrets are sealed
// bound to "table.column:row key".
type secretTable struct {
	table, key string
	columns    []string
	filter     string // which rows hold secrets, when not all do
}

var secretTables = []secretTable{
	{table: "apps", key: "id", columns: []string{"secret", "identity_secret", "push_token", "push_aes_key", "push_prev_aes_key",
		"upstream_token", "upstream_aes_key"}},
	{table: "upstream_tokens", key: "app_id", columns: []string{"token"}},
	{table: "settings", key: "key", columns: []string{"value"}, filter: "key IN ('server_key')"},
	{table: "access_tokens", key: "hash", columns: []string{"nonce"}},
}

// secretSettings are the settings that are secrets (see secretTables).
var secretSettings = map[string]bool{"server_key": true}

func secretPlace(table, column, row string) string { return table + "." + column + ":" + row }

// seal encrypts a secret for table.column of row.
func (r *reader) seal(plain, table, column, row string) string {
	return r.keys.seal(plain, secretPlace(table, column, row))
}

// open decrypts a secret read from table.column of row.
func (r *reader) open(stored, table, column, row string) (string, error) {
	plain, err := r.keys.open(stored, secretPlace(table, column, row))
	if err != nil {
		return "", fmt.Errorf("sqlstore: %w", err)
	}
	return plain, nil
}

// openAll decrypts several secrets of one row in place, stopping at the
// first that does not open.
func (r *reader) openAll(table, row string, fields map[string]*string) error {
	for column, v := range fields {
		plain, err := r.open(*v, table, column, row)
		if err != nil {
			return err
		}
		*v = plain
	}
	return nil
}

// SecretsReport counts what a pass over the stored secrets did.
type SecretsReport struct {
	Primary   string         // the id of the key that seals
	Sealed    int            // values in clear that are now encrypted
	Resealed  int            // values moved to the sealing key (rotation)
	ByKey     map[string]int // encrypted values by key id, after the pass
	Remaining int            // values still under another key than the sealing one
}

// sweepSecrets reads every stored secret, one transaction per table: a
// value under a key the keyring lacks, or one that does not open, stops the
// store from opening with an error saying so, rather than letting a wrong
// key show up later as garbage. Values in clear are encrypted; with
// rotate, values under older keys are encrypted again under the sealing
// key. Each value is rewritten only if it is still what was read, so the
// pass may run beside live writes.
func (s *Store) sweepSecrets(ctx context.Context, rotate bool) (*SecretsReport, error) {
	primary := s.keys.Primary()
	rep := &SecretsReport{Primary: primary, ByKey: map[string]int{}}
	for _, st := range secretTables {
		if err := s.sweepTable(ctx, st, primary, rotate, rep); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

func (s *Store) sweepTable(ctx context.Context, st secretTable, primary string, rotate bool, rep *SecretsReport) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: secrets of %s: %w", st.table, err)
	}
	defer tx.Rollback()
	r := &reader{q: tx, d: s.dialect, keys: s.keys}
	q := `SELECT ` + st.key + `, ` + strings.Join(st.columns, ", ") + ` FROM ` + st.table
	if st.filter != "" {
		q += ` WHERE ` + st.filter
	}
	rows, err := r.query(ctx, q)
	if err != nil {
		return fmt.Errorf("sqlstore: secrets of %s: %w", st.table, err)
	}
	type change struct{ row, column, old, new string }
	var changes []change
	for rows.Next() {
		var row string
		vals := make([]string, len(st.columns))
		dest := []any{&row}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return fmt.Errorf("sqlstore: secrets of %s: %w", st.table, err)
		}
		for i, v := range vals {
			if v == "" {
				continue
			}
			kid := sealedBy(v)
			plain, err := r.open(v, st.table, st.columns[i], row)
			if err != nil {
				rows.Close()
				return err
			}
			switch {
			case kid == "" && primary != "":
				changes = append(changes, change{row, st.columns[i], v, r.seal(plain, st.table, st.columns[i], row)})
				rep.Sealed++
				rep.ByKey[primary]++
			case kid != "" && kid != primary && rotate && primary != "":
				changes = append(changes, change{row, st.columns[i], v, r.seal(plain, st.table, st.columns[i], row)})
				rep.Resealed++
				rep.ByKey[primary]++
			case kid != "":
				rep.ByKey[kid]++
				if kid != primary {
					rep.Remaining++
				}
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlstore: secrets of %s: %w", st.table, err)
	}
	for _, c := range changes {
		if _, err := r.exec(ctx, `UPDATE `+st.table+` SET `+c.column+` = ? WHERE `+st.key+` = ? AND `+c.column+` = ?`,
			c.new, c.row, c.old); err != nil {
			return fmt.Errorf("sqlstore: encrypt secrets of %s: %w", st.table, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: encrypt secrets of %s: %w", st.table, err)
	}
	return nil
}

// RotateSecrets encrypts every stored secret again under the keyring's
// first key, one transaction per table, after a new key was put first and
// the old one kept after it. Once it reports nothing Remaining, the old key
// can be removed.
func (s *Store) RotateSecrets(ctx context.Context) (*SecretsReport, error) {
	if s.keys.Primary() == "" {
		return nil, fmt.Errorf("sqlstore: no secret key configured")
	}
	return s.sweepSecrets(ctx, true)
}

// OpenReport is what the pass over the stored secrets when the store
// opened did (values in clear encrypted, values under older keys counted).
func (s *Store) OpenReport() *SecretsReport { return s.openReport }
