package sqlstore

import "testing"

// BenchmarkSealOpen is the cost encryption adds to reading and writing one
// secret (an app has seven).
func BenchmarkSealOpen(b *testing.B) {
	k, err := NewKeyring(NewKey(), NewKey())
	if err != nil {
		b.Fatal(err)
	}
	where := secretPlace("apps", "secret", "wx0123456789abcdef")
	for b.Loop() {
		if _, err := k.open(k.seal("0123456789abcdef0123456789abcdef", where), where); err != nil {
			b.Fatal(err)
		}
	}
}
