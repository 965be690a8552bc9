// Command go-oidc-driver is a jwkconform driver (docs/driver-protocol.md, protocol 2) for
// CoreOS go-oidc v3's remote key set: oidc.NewRemoteKeySet and its VerifySignature, with
// github.com/go-jose/go-jose/v4 underneath, as Go modules pinned in go.mod and go.sum.
//
// JSON lines: one request per line on stdin, one answer per line on stdout, in order.
// Logs go to stderr only. See README.md in this folder for what is mapped and how; the
// driver translates and never changes what the library decides.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	josejson "github.com/go-jose/go-jose/v4/json"
)

const protocol = 2

// defaultFetchTimeout bounds one whole fetch (connect, headers and body) in real time when
// the harness gives no fetch_timeout: a scripted time-out holds the request open.
const defaultFetchTimeout = 2 * time.Second

// verifyGuard bounds one VerifySignature call in real time, above any fetch deadline, so that no
// answer can miss the harness's deadline even if the library waited on something else.
const verifyGuard = 5 * time.Second

// Set by build.sh from go.mod (go list -m); "unknown" when built otherwise.
var (
	oidcVersion = "unknown"
	joseVersion = "unknown"
)

// capabilities: go-oidc's RemoteKeySet only verifies. It has no lookup by kid or by
// purpose (named, valid), no leases, no warnings, no file: URLs, and it does not report
// which keys it tried. It does share one fetch between concurrent callers, but the protocol
// asks one question at a time, so coalescing cannot be shown through it.
var capabilities = []string{"verify", "default-client"}

// keySupport is what go-jose 4 parses and verifies (jwk.go UnmarshalJSON, signing.go
// newVerifier) within the algorithms go-oidc v3 parses tokens with (jose.go allAlgs): no
// HS*, so no oct key ever verifies.
var keySupport = map[string][]string{
	"kinds": {"RSA", "EC-P-256", "EC-P-384", "EC-P-521", "OKP-Ed25519"},
	"algorithms": {
		"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
		"ES256", "ES384", "ES512", "EdDSA",
	},
}

// allAlgs is go-oidc v3's list (oidc/jose.go allAlgs, unexported): the driver parses tokens
// with it only to report which key verified, as the library does.
var allAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512,
	jose.PS256, jose.PS384, jose.PS512, jose.EdDSA,
}

var logger = log.New(os.Stderr, "[go-oidc driver] ", 0)

type driverError struct {
	kind, message, field string
}

func (e *driverError) Error() string { return e.message }

func fail(kind, format string, args ...interface{}) *driverError {
	return &driverError{kind: kind, message: fmt.Sprintf(format, args...)}
}

// --- The mirror: which JWK of the library's set verified ---------------------------------
//
// VerifySignature returns the payload only, not the key that verified it. To report the
// stable ID the protocol asks for, the driver watches the HTTP responses the library itself
// reads (through the http.Client it hands the library with oidc.ClientContext) and keeps a
// copy of the last body the library accepted, decoded as go-oidc v3 decodes it (jwks.go
// jwkJSON.UnmarshalJSON: a JWK whose alg go-oidc does not support, or whose kty or curve
// go-jose reports as unsupported, is left out; any other bad JWK fails the whole set). It
// never fetches anything itself and never decides whether a token verifies.

type mirroredKey struct {
	key      jose.JSONWebKey
	stableID string
}

type mirror struct {
	mu       sync.Mutex
	requests int           // HTTP requests the library has made
	keys     []mirroredKey // the set of the last 200 response the library could decode
}

func (m *mirror) snapshot() (int, []mirroredKey) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.requests, m.keys
}

// accept records a complete 200 body, if go-oidc would have decoded it; otherwise go-oidc
// kept its previous set (jwks.go keysFromRemote stores keys only when updateKeys succeeds).
func (m *mirror) accept(body []byte) {
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	var into interface{} = &raw
	if err := json.Unmarshal(body, &into); err != nil {
		return
	}
	supported := map[string]bool{}
	for _, alg := range allAlgs {
		supported[string(alg)] = true
	}
	keys := []mirroredKey{}
	for _, member := range raw.Keys {
		var metadata struct {
			Alg string `json:"alg"`
		}
		if err := json.Unmarshal(member, &metadata); err != nil {
			return
		}
		if metadata.Alg != "" && !supported[metadata.Alg] {
			continue
		}
		var key jose.JSONWebKey
		if err := json.Unmarshal(member, &key); err != nil {
			if errors.Is(err, jose.ErrUnsupportedKeyType) {
				continue
			}
			return
		}
		keys = append(keys, mirroredKey{key: key, stableID: stableID(member, key)})
	}
	m.mu.Lock()
	m.keys = keys
	m.mu.Unlock()
}

// stableID is the JWK's kid, or its RFC 7638 thumbprint when it has none (decisions D-1).
// Members are read with go-jose's own (case-sensitive) JSON package, as go-jose reads them.
func stableID(member json.RawMessage, key jose.JSONWebKey) string {
	var fields map[string]interface{}
	if err := josejson.Unmarshal(member, &fields); err != nil {
		return key.KeyID
	}
	if kid, ok := fields["kid"].(string); ok {
		return kid
	}
	var names []string
	switch fields["kty"] {
	case "RSA":
		names = []string{"e", "kty", "n"}
	case "EC":
		names = []string{"crv", "kty", "x", "y"}
	case "OKP":
		names = []string{"crv", "kty", "x"}
	case "oct":
		names = []string{"k", "kty"}
	default:
		return key.KeyID
	}
	var canonical bytes.Buffer
	canonical.WriteByte('{')
	for i, name := range names {
		value, _ := fields[name].(string)
		if i > 0 {
			canonical.WriteByte(',')
		}
		encodedName, _ := json.Marshal(name)
		encodedValue, _ := json.Marshal(value)
		canonical.Write(encodedName)
		canonical.WriteByte(':')
		canonical.Write(encodedValue)
	}
	canonical.WriteByte('}')
	sum := sha256.Sum256(canonical.Bytes())
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// watcher is the RoundTripper of the client handed to the library: it forwards every
// request unchanged and tees each response body into the mirror.
type watcher struct {
	base   http.RoundTripper
	mirror *mirror
}

func (w *watcher) RoundTrip(req *http.Request) (*http.Response, error) {
	w.mirror.mu.Lock()
	w.mirror.requests++
	w.mirror.mu.Unlock()
	resp, err := w.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	resp.Body = &teeBody{inner: resp.Body, mirror: w.mirror}
	return resp, nil
}

type teeBody struct {
	inner    io.ReadCloser
	mirror   *mirror
	buf      bytes.Buffer
	complete bool
	failed   bool
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.inner.Read(p)
	t.buf.Write(p[:n])
	if errors.Is(err, io.EOF) {
		t.complete = true
	} else if err != nil {
		t.failed = true
	}
	return n, err
}

// Close runs when go-oidc's updateKeys returns (a deferred resp.Body.Close), after it has
// decoded the body and before the in-flight request hands the keys over, so the mirror is
// current by the time VerifySignature answers.
func (t *teeBody) Close() error {
	if t.complete && !t.failed {
		t.mirror.accept(t.buf.Bytes())
	}
	t.complete, t.failed = false, true
	return t.inner.Close()
}

// --- Stores ------------------------------------------------------------------------------

type store struct {
	keySet    oidc.KeySet
	cancel    context.CancelFunc
	mirror    *mirror
	transport *http.Transport
}

type driver struct {
	now    float64 // the harness's fake time: recorded; go-oidc v3 never reads a clock
	stores map[string]*store
	count  int
}

func newTransport() *http.Transport {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// The mock server is on 127.0.0.1: no proxy from the environment, ever.
	transport.Proxy = nil
	return transport
}

func (d *driver) openStore(params map[string]json.RawMessage) (interface{}, error) {
	var config map[string]json.RawMessage
	if err := json.Unmarshal(params["config"], &config); err != nil || config == nil {
		return nil, fail("internal", "open_store needs a config object")
	}
	// go-oidc takes the JWK Set URL as a plain string and checks nothing when the set is
	// created: an absent jwkUrl is Go's zero value "", which fails at the first fetch.
	url := ""
	if raw, ok := config["jwkUrl"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &url); err != nil {
			return nil, &driverError{
				kind:    "config_refused",
				message: fmt.Sprintf("jwkUrl must be a string to reach oidc.NewRemoteKeySet, got %s", raw),
				field:   "jwkUrl",
			}
		}
	}
	// cacheTimeout, cacheMissCacheTime, leaseExpiry, handler and any other member have no
	// equivalent in go-oidc v3 (it has no cache lifetime, no miss window and no leases);
	// they are ignored, never refused.
	timeout := defaultFetchTimeout
	var seconds float64
	if err := json.Unmarshal(params["fetch_timeout"], &seconds); err == nil && seconds > 0 {
		timeout = time.Duration(seconds * float64(time.Second))
	}
	var ownClient bool
	_ = json.Unmarshal(params["own_client"], &ownClient)
	if ownClient {
		// The library's own default is http.DefaultClient, which has no deadline at all; the
		// client below is the same but for watching the responses (for secret_id).
		timeout = 0
	}
	m := &mirror{}
	transport := newTransport()
	client := &http.Client{Timeout: timeout, Transport: &watcher{base: transport, mirror: m}}
	ctx, cancel := context.WithCancel(context.Background())
	keySet := oidc.NewRemoteKeySet(oidc.ClientContext(ctx, client), url)
	d.count++
	id := fmt.Sprintf("s%d", d.count)
	d.stores[id] = &store{keySet: keySet, cancel: cancel, mirror: m, transport: transport}
	return map[string]interface{}{"store": id}, nil
}

func (d *driver) store(params map[string]json.RawMessage) (*store, error) {
	var id string
	_ = json.Unmarshal(params["store"], &id)
	s, ok := d.stores[id]
	if !ok {
		return nil, fail("internal", "no open store %q", id)
	}
	return s, nil
}

func (d *driver) verify(params map[string]json.RawMessage) (interface{}, error) {
	s, err := d.store(params)
	if err != nil {
		return nil, err
	}
	var token string
	if err := json.Unmarshal(params["token"], &token); err != nil {
		return nil, fail("internal", "verify needs a token string")
	}
	// secret_id (verificationSecretId) has no equivalent in go-oidc: neither used nor checked.
	requestsBefore, keysBefore := s.mirror.snapshot()
	ctx, cancel := context.WithTimeout(context.Background(), verifyGuard)
	defer cancel()
	_, verifyErr := s.keySet.VerifySignature(ctx, token)
	result := map[string]interface{}{
		"verified":  verifyErr == nil,
		"secret_id": nil,
		"tried":     nil, // go-oidc does not report which keys it tried
		"reason":    "",
	}
	if verifyErr != nil {
		result["reason"] = verifyErr.Error()
		return result, nil
	}
	// jwks.go verify: the cached keys are tried first; only if none verifies does it fetch
	// and try the new set. A request made during this call means the cached set failed.
	requestsAfter, keysAfter := s.mirror.snapshot()
	candidates := keysBefore
	if requestsAfter != requestsBefore {
		candidates = keysAfter
	}
	if id, ok := firstVerifying(token, candidates); ok {
		result["secret_id"] = id
	} else {
		result["reason"] = "verified, but no JWK of the set go-oidc read matches the key"
	}
	return result, nil
}

// firstVerifying repeats go-oidc's own selection over the mirrored set (jwks.go verify:
// in set order, every key whose kid equals the token's, or every key when the token has
// no kid; the first that jws.Verify accepts) and returns that JWK's stable ID.
func firstVerifying(token string, keys []mirroredKey) (string, bool) {
	jws, err := jose.ParseSigned(token, allAlgs)
	if err != nil {
		return "", false
	}
	keyID := ""
	for _, sig := range jws.Signatures {
		keyID = sig.Header.KeyID
		break
	}
	for _, candidate := range keys {
		key := candidate.key
		if keyID == "" || key.KeyID == keyID {
			if _, err := jws.Verify(&key); err == nil {
				return candidate.stableID, true
			}
		}
	}
	return "", false
}

func (d *driver) closeStore(params map[string]json.RawMessage) (interface{}, error) {
	var id string
	_ = json.Unmarshal(params["store"], &id)
	if s, ok := d.stores[id]; ok {
		s.cancel()
		s.transport.CloseIdleConnections()
		delete(d.stores, id)
	}
	return map[string]interface{}{}, nil
}

func (d *driver) closeAll() {
	for id, s := range d.stores {
		s.cancel()
		s.transport.CloseIdleConnections()
		delete(d.stores, id)
	}
}

func (d *driver) call(method string, params map[string]json.RawMessage) (interface{}, error) {
	switch method {
	case "hello":
		var asked int
		_ = json.Unmarshal(params["protocol"], &asked)
		if asked != protocol {
			logger.Printf("harness speaks protocol %d, this driver %d", asked, protocol)
		}
		return map[string]interface{}{
			"protocol":     protocol,
			"name":         fmt.Sprintf("go-oidc %s (RemoteKeySet, go-jose %s)", oidcVersion, joseVersion),
			"capabilities": capabilities,
			"key_support":  keySupport,
			"version":      oidcVersion,
		}, nil
	case "set_clock":
		// Recorded only: go-oidc v3's RemoteKeySet reads no clock at all (jwks.go has no
		// expiry, no cache headers, no rate limit). See README.md.
		var now float64
		if err := json.Unmarshal(params["now"], &now); err != nil {
			return nil, fail("internal", "set_clock needs a number")
		}
		d.now = now
		return map[string]interface{}{}, nil
	case "open_store":
		return d.openStore(params)
	case "verify":
		return d.verify(params)
	case "warnings":
		if _, err := d.store(params); err != nil {
			return nil, err
		}
		// go-oidc logs nothing: its errors are returned to the caller.
		return map[string]interface{}{"warnings": []string{}}, nil
	case "close_store":
		return d.closeStore(params)
	case "shutdown":
		return map[string]interface{}{}, nil
	}
	return nil, fail("unsupported", "the go-oidc driver does not implement %s", method)
}

type request struct {
	ID     json.RawMessage            `json:"id"`
	Method string                     `json:"method"`
	Params map[string]json.RawMessage `json:"params"`
}

func (d *driver) answer(line []byte) (map[string]interface{}, bool) {
	var req request
	if err := json.Unmarshal(line, &req); err != nil || len(req.ID) == 0 {
		return map[string]interface{}{
			"id":    nil,
			"error": map[string]interface{}{"type": "internal", "message": "a request line that is not a JSON request"},
		}, false
	}
	if req.Params == nil {
		req.Params = map[string]json.RawMessage{}
	}
	result, err := d.call(req.Method, req.Params)
	if err != nil {
		body := map[string]interface{}{"type": "internal", "message": err.Error()}
		var de *driverError
		if errors.As(err, &de) {
			body["type"] = de.kind
			if de.field != "" {
				body["field"] = de.field
			}
		}
		return map[string]interface{}{"id": req.ID, "error": body}, false
	}
	return map[string]interface{}{"id": req.ID, "result": result}, req.Method == "shutdown"
}

func main() {
	d := &driver{stores: map[string]*store{}}
	in := bufio.NewReaderSize(os.Stdin, 1<<16)
	out := bufio.NewWriter(os.Stdout)
	encoder := json.NewEncoder(out)
	encoder.SetEscapeHTML(false)
	for {
		line, readErr := in.ReadBytes('\n')
		if len(strings.TrimSpace(string(line))) > 0 {
			response, done := d.answer(line)
			if err := encoder.Encode(response); err != nil {
				logger.Printf("cannot encode an answer: %v", err)
			}
			if err := out.Flush(); err != nil {
				logger.Printf("cannot write to stdout: %v", err)
				break
			}
			if done {
				break
			}
		}
		if readErr != nil {
			if !errors.Is(readErr, io.EOF) {
				logger.Printf("reading stdin: %v", readErr)
			}
			break
		}
	}
	d.closeAll()
	os.Exit(0)
}
