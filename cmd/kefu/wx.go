package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kefuhq/kefu/wechat"
)

// maxWxInput bounds what the wx tools read from stdin.
const maxWxInput = 16 << 20

const wxUsage = `Usage: kefu wx <command> [flags]

WeChat message push tools, for when a push or a reply goes wrong.

Commands:
  sign      compute signature (and msg_signature) from token, timestamp, nonce
  decrypt   verify and decrypt an encrypted push or reply body read from stdin
  encrypt   seal a plaintext reply into an encrypted envelope (XML or JSON)

Run "kefu wx <command> -h" for a command's flags.
`

// wxCommand runs "kefu wx": the WeChat protocol debugging tools.
func wxCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, wxUsage)
		return 2
	}
	switch args[0] {
	case "sign":
		return wxSign(args[1:], stdout, stderr)
	case "decrypt":
		return wxDecrypt(args[1:], stdin, stdout, stderr)
	case "encrypt":
		return wxEncrypt(args[1:], stdin, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, wxUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "kefu wx: unknown command %q\n\n%s", args[0], wxUsage)
		return 2
	}
}

func wxSign(args []string, stdout, stderr io.Writer) int {
	fs := newWxFlagSet("sign", "--token T --timestamp TS --nonce N [--encrypt E]",
		`Prints the signature WeChat puts in the query of the URL verification GET and
of every push. With --encrypt (the Encrypt value of a safe-mode push or of an
encrypted reply), also prints the msg_signature.`)
	token := fs.String("token", "", "the push `token` configured for the mini program (required)")
	timestamp := fs.String("timestamp", "", "the `timestamp` query parameter (required)")
	nonce := fs.String("nonce", "", "the `nonce` query parameter (required)")
	encrypt := fs.String("encrypt", "", "the `Encrypt` value, to compute msg_signature")
	if code, ok := parseWxFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if err := requireFlags(fs, "token", "timestamp", "nonce"); err != nil {
		return wxFail(stderr, "sign", err)
	}
	fmt.Fprintf(stdout, "signature=%s\n", wechat.Signature(*token, *timestamp, *nonce))
	if *encrypt != "" {
		fmt.Fprintf(stdout, "msg_signature=%s\n", wechat.MsgSignature(*token, *timestamp, *nonce, *encrypt))
	}
	return 0
}

func wxDecrypt(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newWxFlagSet("decrypt", "--token T --aes-key K --appid A --timestamp TS --nonce N --msg-signature S < body",
		`Reads an encrypted body from stdin: a safe-mode or compatible-mode push, XML
or JSON ({"ToUserName","Encrypt"}), an encrypted reply ({"Encrypt",
"MsgSignature","TimeStamp","Nonce"}), or a bare Encrypt value. Verifies the
msg_signature over token, timestamp, nonce and Encrypt (for a reply, the
envelope's own MsgSignature, TimeStamp and Nonce are used unless given), then
decrypts and prints the plaintext message.`)
	token := fs.String("token", "", "the push `token` (required unless --no-verify)")
	aesKey := fs.String("aes-key", "", "the 43-character `EncodingAESKey` (required)")
	previousKey := fs.String("previous-aes-key", "", "the EncodingAESKey before the last change, tried when --aes-key fails")
	appID := fs.String("appid", "", "the mini program's `appid`, checked at the end of the plaintext (required)")
	timestamp := fs.String("timestamp", "", "the `timestamp` query parameter of the push")
	nonce := fs.String("nonce", "", "the `nonce` query parameter of the push")
	msgSignature := fs.String("msg-signature", "", "the `msg_signature` query parameter of the push")
	noVerify := fs.Bool("no-verify", false, "decrypt without checking msg_signature (to see what a rejected body holds)")
	if code, ok := parseWxFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if err := requireFlags(fs, "aes-key", "appid"); err != nil {
		return wxFail(stderr, "decrypt", err)
	}
	c, err := wechat.NewCipher(*aesKey, *appID, *previousKey)
	if err != nil {
		return wxFail(stderr, "decrypt", err)
	}
	body, err := readWxInput(stdin)
	if err != nil {
		return wxFail(stderr, "decrypt", err)
	}
	env, err := readEnvelope(body)
	if err != nil {
		return wxFail(stderr, "decrypt", err)
	}
	if !*noVerify {
		// A reply envelope carries what a push carries in its query.
		if *timestamp == "" && env.MsgSignature != "" {
			*timestamp = strconv.FormatInt(env.TimeStamp, 10)
		}
		if *nonce == "" {
			*nonce = env.Nonce
		}
		if *msgSignature == "" {
			*msgSignature = env.MsgSignature
		}
		var missing []string
		for _, f := range []struct{ name, value string }{{"--token", *token}, {"--timestamp", *timestamp}, {"--nonce", *nonce}, {"--msg-signature", *msgSignature}} {
			if f.value == "" {
				missing = append(missing, f.name)
			}
		}
		if len(missing) > 0 {
			return wxFail(stderr, "decrypt", fmt.Errorf("verifying needs %s (or pass --no-verify)", strings.Join(missing, ", ")))
		}
		if !wechat.VerifyMsgSignature(*token, *timestamp, *nonce, env.Encrypt, *msgSignature) {
			return wxFail(stderr, "decrypt", fmt.Errorf("%w: --msg-signature is %s, but token, timestamp, nonce and Encrypt give %s; check the token and that the body reached you unchanged",
				wechat.ErrSignature, *msgSignature, wechat.MsgSignature(*token, *timestamp, *nonce, env.Encrypt)))
		}
	}
	plain, err := c.Decrypt(env.Encrypt)
	if err != nil {
		return wxFail(stderr, "decrypt", err)
	}
	stdout.Write(plain)
	if len(plain) == 0 || plain[len(plain)-1] != '\n' {
		io.WriteString(stdout, "\n")
	}
	return 0
}

// readEnvelope reads an XML or JSON envelope, or a bare Encrypt value.
func readEnvelope(body []byte) (*wechat.Envelope, error) {
	s := strings.TrimSpace(strings.TrimPrefix(string(body), "\ufeff"))
	if s == "" {
		return nil, errors.New("stdin is empty: pipe the push body (or the Encrypt value) into this command")
	}
	if s[0] != '<' && s[0] != '{' {
		return &wechat.Envelope{Encrypt: s}, nil
	}
	env, _, err := wechat.DecodeEnvelope([]byte(s))
	return env, err
}

func wxEncrypt(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newWxFlagSet("encrypt", "--token T --aes-key K --appid A [--format json|xml] [--timestamp TS] [--nonce N] [--random R] [--message M | < plaintext]",
		`Encrypts a plaintext (--message, or stdin without its final newline) and
prints the encrypted reply envelope a developer answers a safe-mode push with:
Encrypt, MsgSignature, TimeStamp and Nonce. --timestamp, --nonce and --random
make the output reproducible.`)
	token := fs.String("token", "", "the push `token`, to sign the envelope (required)")
	aesKey := fs.String("aes-key", "", "the 43-character `EncodingAESKey` (required)")
	appID := fs.String("appid", "", "the mini program's `appid` (required)")
	format := wechat.FormatJSON
	fs.TextVar(&format, "format", format, "envelope `format`: json or xml")
	timestamp := fs.Int64("timestamp", 0, "envelope TimeStamp, Unix `seconds` (default now)")
	nonce := fs.String("nonce", "", "envelope `Nonce` (default random)")
	random := fs.String("random", "", "the 16-character random `prefix` of the plaintext (default 16 random bytes)")
	message := fs.String("message", "", "the plaintext `message` (default: read stdin)")
	if code, ok := parseWxFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if err := requireFlags(fs, "token", "aes-key", "appid"); err != nil {
		return wxFail(stderr, "encrypt", err)
	}
	if *random != "" && len(*random) != 16 {
		return wxFail(stderr, "encrypt", fmt.Errorf("--random must be 16 bytes, got %d", len(*random)))
	}
	c, err := wechat.NewCipher(*aesKey, *appID)
	if err != nil {
		return wxFail(stderr, "encrypt", err)
	}
	plain := []byte(*message)
	if !flagSet(fs, "message") {
		if plain, err = readWxInput(stdin); err != nil {
			return wxFail(stderr, "encrypt", err)
		}
		plain = []byte(strings.TrimSuffix(strings.TrimSuffix(string(plain), "\n"), "\r"))
	}
	var enc string
	if *random != "" {
		enc, err = c.EncryptWithRandom([]byte(*random), plain)
	} else {
		enc, err = c.Encrypt(plain)
	}
	if err != nil {
		return wxFail(stderr, "encrypt", err)
	}
	if !flagSet(fs, "timestamp") {
		*timestamp = time.Now().Unix()
	}
	if *nonce == "" {
		*nonce = wechat.NewNonce()
	}
	stdout.Write(wechat.NewReplyEnvelope(*token, *timestamp, *nonce, enc).Encode(format))
	io.WriteString(stdout, "\n")
	return 0
}

func newWxFlagSet(name, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet("kefu wx "+name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: kefu wx %s %s\n\n%s\n\nFlags:\n", name, synopsis, description)
		fs.PrintDefaults()
	}
	return fs
}

// parseWxFlags parses args; when it returns false the command is over and
// code is its exit code (0 after -h, 2 after a usage error).
func parseWxFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code, false
	}
	if fs.NArg() > 0 {
		return usageError(fs, fmt.Errorf("unexpected argument %q (flags only; the body comes on stdin)", fs.Arg(0)), stderr), false
	}
	return 0, true
}

// requireFlags reports the named flags that were not given a value.
func requireFlags(fs *flag.FlagSet, names ...string) error {
	var missing []string
	for _, name := range names {
		if fs.Lookup(name).Value.String() == "" {
			missing = append(missing, "--"+name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	return nil
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func readWxInput(stdin io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(stdin, maxWxInput+1))
	if err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	if len(b) > maxWxInput {
		return nil, fmt.Errorf("stdin is larger than %d bytes", maxWxInput)
	}
	return b, nil
}

func wxFail(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "kefu wx %s: %v\n", cmd, err)
	return 1
}
