package richtext

import (
	"regexp"
	"strings"
	"testing"
)

var (
	handlerAttr = regexp.MustCompile(`<[^>]*\son[a-z]+\s*=`)
	scriptURL   = regexp.MustCompile(`(?:href|src)\s*=\s*"\s*(?:javascript|vbscript|data):`)
)

func TestSanitizeKeepsFormattingAndRemovesScript(t *testing.T) {
	p := New()
	cases := []struct{ in, want string }{
		{`<p style='font-size:18px'>hello world</p>`, `<p style="font-size: 18px">hello world</p>`},
		{`<a data-miniprogram-path='/path/navigate/to'>Jump</a>`, `<a data-miniprogram-path="/path/navigate/to">Jump</a>`},
		{`<b>bold</b><script>alert(1)</script>`, `<b>bold</b>`},
		{`<img src="https://img.example/a.png" onerror="alert(1)">`, `<img src="https://img.example/a.png">`},
		{`<a href="javascript:alert(1)">x</a>`, `x`},
		{`<a href="https://shop.example/x">x</a>`, `<a href="https://shop.example/x" rel="nofollow noreferrer noopener" target="_blank">x</a>`},
		{`<span data-miniprogram-path="javascript:alert(1)">x</span>`, `<span>x</span>`},
		{`<p style="background:url(https://evil.example/t.png);color:#f00">x</p>`, `<p style="color: #f00">x</p>`},
		{`<iframe src="https://evil.example"></iframe>`, ``},
		{`<p>   </p>`, ``},
		{`<svg onload=alert(1)><p>x</p></svg>`, `<p>x</p>`},
		// Renderers show only http(s) and /media/ images and follow only
		// http(s) links: nothing else survives.
		{`<p>a<img src="/media/AbC_-1"></p>`, `<p>a<img src="/media/AbC_-1"></p>`},
		{`<p>a<img src="img/a.png"></p>`, `<p>a</p>`},
		{`<p>a<img src="/static/a.png"></p>`, `<p>a</p>`},
		{`<p>a<img src="//evil.example/a.png"></p>`, `<p>a</p>`},
		{`<p>a<img src="/media/../admin"></p>`, `<p>a</p>`},
		{`<a href="/admin">x</a>`, `x`},
		{`<a href="//evil.example/">x</a>`, `x`},
	}
	for _, c := range cases {
		if got := p.Sanitize(c.in); got != c.want {
			t.Errorf("Sanitize(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestMiniProgramText(t *testing.T) {
	p := New()
	cases := []struct{ in, want string }{
		{`<p>Hello <b>there</b></p><p>line 2</p>`, "Hello there\nline 2"},
		{`<a data-miniprogram-path="/pages/item?id=1">see item</a>`, `<a href="" data-miniprogram-path="/pages/item?id=1">see item</a>`},
		{`<span data-miniprogram-path="/p" data-miniprogram-appid="wx1234567890abcdef">go</span> now`,
			`<a href="" data-miniprogram-path="/p" data-miniprogram-appid="wx1234567890abcdef">go</a> now`},
		{`<a href="https://shop.example/x">web</a>`, `<a href="https://shop.example/x">web</a>`},
		{`1 &lt; 2 &amp; <b>&lt;script&gt;</b>`, `1 &lt; 2 &amp; &lt;script&gt;`},
	}
	for _, c := range cases {
		if got := p.MiniProgramText(p.Sanitize(c.in)); got != c.want {
			t.Errorf("MiniProgramText(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	f.Add(`<p style="font-size:18px" data-miniprogram-path="/a">x</p><script>y</script>`)
	p := New()
	f.Fuzz(func(t *testing.T, s string) {
		out := p.Sanitize(s)
		low := strings.ToLower(out)
		for _, bad := range []string{"<script", "<iframe", "<style", "<object", "<embed", "<svg"} {
			if strings.Contains(low, bad) {
				t.Fatalf("Sanitize(%q) = %q contains %q", s, out, bad)
			}
		}
		if m := handlerAttr.FindString(low); m != "" {
			t.Fatalf("Sanitize(%q) = %q keeps an event handler %q", s, out, m)
		}
		if m := scriptURL.FindString(low); m != "" {
			t.Fatalf("Sanitize(%q) = %q keeps a script URL %q", s, out, m)
		}
		p.MiniProgramText(out)
	})
}
