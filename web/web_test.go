package web_test

import (
	"encoding/json"
	"io/fs"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/richtext"
	"github.com/kefuhq/kefu/web"
)

// TestRichPolicyModuleIsTheSanitisersAllowlist reads the module the
// renderer imports and checks it holds richtext's allowlist, whole.
func TestRichPolicyModuleIsTheSanitisersAllowlist(t *testing.T) {
	b, err := fs.ReadFile(web.FS(), web.RichPolicyModule)
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	i, j := strings.Index(src, "export default "), strings.LastIndex(src, ";")
	if i < 0 || j < i {
		t.Fatalf("%s is not `export default {…};`:\n%s", web.RichPolicyModule, src)
	}
	var got richtext.Allowlist
	if err := json.Unmarshal([]byte(src[i+len("export default "):j]), &got); err != nil {
		t.Fatalf("%s: %v", web.RichPolicyModule, err)
	}
	if want := richtext.Rules(); !reflect.DeepEqual(got, want) {
		t.Errorf("%s holds\n%+v\nwant richtext.Rules()\n%+v", web.RichPolicyModule, got, want)
	}
	// Opened as a file too (http.FileServer and fs.WalkDir open rather than read).
	f, err := web.FS().Open(web.RichPolicyModule)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.Size() != int64(len(b)) || st.Name() != "rich-policy.js" {
		t.Errorf("Stat() = %v, %v; want rich-policy.js of %d bytes", st, err, len(b))
	}
}

// TestRenderImportsTheRichPolicy fails if render.js carries its own copy of
// the allowlist instead of importing the server's.
func TestRenderImportsTheRichPolicy(t *testing.T) {
	b, err := fs.ReadFile(web.FS(), "js/render.js")
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	if !strings.Contains(src, `from "/static/`+web.RichPolicyModule+`"`) {
		t.Errorf("render.js does not import /static/%s", web.RichPolicyModule)
	}
	for _, copy := range []string{`"blockquote"`, `"font-size":`, `text-decoration`} {
		if strings.Contains(src, copy) {
			t.Errorf("render.js spells out %s itself; it belongs in package richtext", copy)
		}
	}
}

// TestElementNamesAreUnique fails if two modules define the same custom
// element: the second define throws on any page that loads both, and a
// selector could not tell them apart.
func TestElementNamesAreUnique(t *testing.T) {
	define := regexp.MustCompile(`customElements\.define\(\s*"([a-z0-9-]+)"`)
	where := map[string]string{}
	err := fs.WalkDir(web.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".js") {
			return err
		}
		b, err := fs.ReadFile(web.FS(), p)
		if err != nil {
			return err
		}
		for _, m := range define.FindAllStringSubmatch(string(b), -1) {
			if first, ok := where[m[1]]; ok {
				t.Errorf("<%s> is defined in %s and in %s", m[1], first, p)
			}
			where[m[1]] = p
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(where) < 10 {
		t.Fatalf("found only %d elements; is the pattern still right?", len(where))
	}
}
