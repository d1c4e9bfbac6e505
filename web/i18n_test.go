package web_test

import (
	"encoding/json"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/web"
)

// langs are the languages every text must exist in.
var langs = []string{"en", "zh-CN"}

var (
	// A string literal in JavaScript: "…", '…' or `…` (with ${…} holes).
	jsString = regexp.MustCompile("\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*'|`(?:[^`\\\\]|\\\\.)*`")
	// data-i18n="key" and data-i18n-attr="attr:key,…" in HTML.
	htmlI18n     = regexp.MustCompile(`data-i18n="([^"]*)"`)
	htmlI18nAttr = regexp.MustCompile(`data-i18n-attr="([^"]*)"`)
	placeholder  = regexp.MustCompile(`\{(\w+)\}`)
)

// TestI18nKeysExistInEveryLanguage fails if the pages or scripts use a text
// key that en or zh-CN lacks, or if the two languages do not hold the same
// keys with the same {placeholders}. Keys are "bundle.key" (bundle: a file
// of i18n/{lang}/); in JavaScript every string literal shaped like one is
// taken as a key, and a key built at run time (`desk.state_${s}`) must at
// least have its prefix in the bundle.
func TestI18nKeysExistInEveryLanguage(t *testing.T) {
	files := web.FS()
	texts := map[string]map[string]string{} // lang → "bundle.key" → text
	for _, l := range langs {
		texts[l] = map[string]string{}
		names, err := fs.Glob(files, "i18n/"+l+"/*.json")
		if err != nil || len(names) == 0 {
			t.Fatalf("no i18n/%s/*.json: %v", l, err)
		}
		for _, name := range names {
			b, err := fs.ReadFile(files, name)
			if err != nil {
				t.Fatal(err)
			}
			var entries map[string]string
			if err := json.Unmarshal(b, &entries); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			bundle := strings.TrimSuffix(path.Base(name), ".json")
			for k, v := range entries {
				texts[l][bundle+"."+k] = v
			}
		}
	}

	// Both languages: the same keys, the same placeholders.
	for _, a := range langs {
		for _, b := range langs {
			for key, text := range texts[a] {
				other, ok := texts[b][key]
				if !ok {
					if a != b {
						t.Errorf("%s is in %s but not in %s", key, a, b)
					}
					continue
				}
				if a < b && !samePlaceholders(text, other) {
					t.Errorf("%s: %s has %v, %s has %v", key, a, placeholders(text), b, placeholders(other))
				}
			}
		}
	}

	bundles := map[string]bool{}
	for key := range texts[langs[0]] {
		bundles[key[:strings.Index(key, ".")]] = true
	}
	keyShape := regexp.MustCompile(`^([a-z]+)\.([a-z0-9_]+)$`)
	prefixShape := regexp.MustCompile(`^([a-z]+)\.([a-z0-9_]*)\$\{`)
	used := map[string]string{}     // key → where
	prefixes := map[string]string{} // prefix → where
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		src := string(b)
		switch path.Ext(p) {
		case ".js":
			for _, lit := range jsString.FindAllString(src, -1) {
				s := lit[1 : len(lit)-1]
				if m := keyShape.FindStringSubmatch(s); m != nil && bundles[m[1]] {
					used[s] = p
				} else if m := prefixShape.FindStringSubmatch(s); m != nil && lit[0] == '`' && bundles[m[1]] {
					prefixes[m[1]+"."+m[2]] = p
				}
			}
		case ".html":
			for _, m := range htmlI18n.FindAllStringSubmatch(src, -1) {
				used[m[1]] = p
			}
			for _, m := range htmlI18nAttr.FindAllStringSubmatch(src, -1) {
				for _, pair := range strings.Split(m[1], ",") {
					if _, key, ok := strings.Cut(pair, ":"); ok {
						used[strings.TrimSpace(key)] = p
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys in use; are the patterns still right?", len(used))
	}
	for _, key := range sortedKeys(used) {
		for _, l := range langs {
			if _, ok := texts[l][key]; !ok {
				t.Errorf("%s uses %s, which %s lacks", used[key], key, l)
			}
		}
	}
	for _, prefix := range sortedKeys(prefixes) {
		for _, l := range langs {
			if !hasPrefix(texts[l], prefix) {
				t.Errorf("%s builds keys %s…, and %s has none", prefixes[prefix], prefix, l)
			}
		}
	}
}

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	sort.Strings(out)
	return out
}

func samePlaceholders(a, b string) bool {
	return strings.Join(placeholders(a), ",") == strings.Join(placeholders(b), ",")
}

func hasPrefix(texts map[string]string, prefix string) bool {
	for key := range texts {
		if strings.HasPrefix(key, prefix) {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
