// Command jwx-driver is a jwkconform driver (docs/driver-protocol.md, protocol 2) for
// lestrrat-go/jwx v3's JWKS cache: jwk.Cache (on httprc), read with Cache.Lookup and
// verified with jws.Verify(jws.WithKeySet(...)), as Go modules pinned in go.mod and go.sum.
//
// JSON lines: one request per line on stdin, one answer per line on stdout, in order.
// Logs go to stderr only. See README.md in this folder for what is mapped and how; the
// driver translates and never changes what the library decides.
package main

import (
	"bufio"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/lestrrat-go/httprc/v3"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

const protocol = 2

// maxBody is the catalogue's body-size cap (LOAD-06), which jwx takes per registration.
const maxBody = 1 << 20

// verifyGuard bounds one Lookup in real time; Lookup does not fetch, so it is never reached.
const verifyGuard = 5 * time.Second

// Set by build.sh from go.mod (go list -m); "unknown" when built otherwise.
var (
	jwxVersion    = "unknown"
	httprcVersion = "unknown"
)

// capabilities: a jwk.Cache serves a whole set to the verifier; which keys fit a purpose is
// the key set provider's choice, made from the token, so only `verify` is offered.
// default-client: its default HTTP client (jwk.DefaultHTTPClient). No cache-timeout: the
// cache's intervals run on the wall clock (see README.md).
var capabilities = []string{"verify", "default-client"}

// keySupport is what jwx parses from a set and verifies with by default (no jwx_es256k
// build tag, so no secp256k1; Go has no Ed448). oct: the key set provider infers HS* for an
// oct key whatever set it came from.
var keySupport = map[string][]string{
	"kinds": {"RSA", "EC-P-256", "EC-P-384", "EC-P-521", "OKP-Ed25519", "oct"},
	"algorithms": {
		"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
		"ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512",
	},
}

var logger = log.New(os.Stderr, "[jwx driver] ", 0)

type driverError struct {
	kind, message, field string
}

func (e *driverError) Error() string { return e.message }

func fail(kind, format string, args ...any) *driverError {
	return &driverError{kind: kind, message: fmt.Sprintf(format, args...)}
}

// A store registers its URL at its first query, not when it opens: Register fetches at
// once, and the harness scripts a store's first load (a fault, a slow server) between
// opening it and asking it, as for the clients that load lazily. See README.md.
type store struct {
	cache      *jwk.Cache
	url        string
	transport  *http.Transport
	sink       *errorSink
	timeout    time.Duration
	options    []jwk.RegisterOption
	registered bool
	firstLoad  error // what Register said of the first fetch, quoted when Lookup finds no set
}

type driver struct {
	now    float64 // the harness's fake time: recorded; httprc reads the wall clock only
	stores map[string]*store
	count  int
}

func (d *driver) openStore(params map[string]json.RawMessage) (any, error) {
	var config map[string]json.RawMessage
	if err := json.Unmarshal(params["config"], &config); err != nil || config == nil {
		return nil, fail("internal", "open_store needs a config object")
	}
	url := ""
	if raw, ok := config["jwkUrl"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &url); err != nil {
			return nil, &driverError{
				kind:    "config_refused",
				message: fmt.Sprintf("jwkUrl must be a string to reach jwk.Cache.Register, got %s", raw),
				field:   "jwkUrl",
			}
		}
	}
	// cacheTimeout, cacheMissCacheTime, leaseExpiry, handler: not mapped (see README.md).
	timeout := time.Second
	var seconds float64
	if err := json.Unmarshal(params["fetch_timeout"], &seconds); err == nil && seconds > 0 {
		timeout = time.Duration(seconds * float64(time.Second))
	}
	var ownClient bool
	_ = json.Unmarshal(params["own_client"], &ownClient)

	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil // the mock server is on 127.0.0.1: no proxy from the environment
	// jwk.DefaultHTTPClient's safety (a whole-request time-out, its redirect policy) on the
	// driver's transport; the own client keeps the library's defaults but for the deadline,
	// which the protocol says to give it.
	client := jwk.WrapHTTPClientDefaults(&http.Client{Timeout: timeout, Transport: transport})
	options := []jwk.RegisterOption{jwk.WithMaxFetchBodySize(maxBody)}
	if !ownClient {
		options = append(options, jwk.WithHTTPClient(client))
	} else {
		options = append(options, jwk.WithHTTPClient(jwk.WrapHTTPClientDefaults(&http.Client{Timeout: timeout})))
	}
	sink := &errorSink{errs: make(chan error, 16)}
	cache, err := jwk.NewCache(context.Background(),
		httprc.NewClient(httprc.WithWorkers(1), httprc.WithErrorSink(sink)))
	if err != nil {
		return nil, fail("internal", "jwk.NewCache: %v", err)
	}
	d.count++
	id := fmt.Sprintf("s%d", d.count)
	d.stores[id] = &store{
		cache: cache, url: url, transport: transport, sink: sink, timeout: timeout, options: options,
	}
	return map[string]any{"store": id}, nil
}

// errorSink receives the errors of httprc's background fetches (a no-op sink by default).
type errorSink struct{ errs chan error }

func (e *errorSink) Put(_ context.Context, err error) {
	select {
	case e.errs <- err:
	default: // nobody is waiting: the error is only ever quoted
	}
}

// register is jwk.Cache.Register waiting for the first fetch as jwx's default
// (WithWaitReady) does, but ending the wait as soon as that fetch fails too: jwx's own wait
// lasts until its context ends when the first fetch fails, which would cost every store
// whose first load fails the whole deadline.
func register(cache *jwk.Cache, url string, sink *errorSink, timeout time.Duration,
	options []jwk.RegisterOption) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout+500*time.Millisecond)
	defer cancel()
	options = append(options, jwk.WithWaitReady(false))
	if err := cache.Register(ctx, url, options...); err != nil {
		return err
	}
	ready := make(chan bool, 1)
	go func() { ready <- cache.Ready(ctx, url) }()
	select {
	case ok := <-ready:
		if !ok {
			return fmt.Errorf("the first fetch did not finish within %s", timeout)
		}
		return nil
	case err := <-sink.errs:
		return err
	}
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

func outcome(verified bool, secretID any, reason string) map[string]any {
	return map[string]any{"verified": verified, "secret_id": secretID, "tried": nil, "reason": reason}
}

func (d *driver) verify(params map[string]json.RawMessage) (any, error) {
	s, err := d.store(params)
	if err != nil {
		return nil, err
	}
	var token string
	if err := json.Unmarshal(params["token"], &token); err != nil {
		return nil, fail("internal", "verify needs a token string")
	}
	// secret_id (verificationSecretId) has no equivalent in jwx: neither used nor checked.
	if !s.registered {
		s.registered = true
		s.firstLoad = register(s.cache, s.url, s.sink, s.timeout, s.options)
		if s.firstLoad != nil {
			logger.Printf("Register(%q): %v", s.url, s.firstLoad)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), verifyGuard)
	defer cancel()
	set, err := s.cache.Lookup(ctx, s.url)
	if err != nil {
		reason := err.Error()
		if s.firstLoad != nil {
			reason += "; first load: " + s.firstLoad.Error()
		}
		return outcome(false, nil, reason), nil
	}
	var used jwk.Key
	_, err = jws.Verify([]byte(token),
		jws.WithKeySet(set, jws.WithInferAlgorithmFromKey(true)),
		jws.WithKeyUsed(&used),
	)
	if err != nil {
		return outcome(false, nil, err.Error()), nil
	}
	if used == nil {
		return outcome(true, nil, "verified, but jwx did not say with which key"), nil
	}
	return outcome(true, stableID(used), ""), nil
}

// stableID is the JWK's kid, or its RFC 7638 thumbprint when it has none (decision D-1).
func stableID(key jwk.Key) any {
	if kid, ok := key.KeyID(); ok {
		return kid
	}
	sum, err := key.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil
	}
	return base64.RawURLEncoding.EncodeToString(sum)
}

func (d *driver) closeStore(params map[string]json.RawMessage) (any, error) {
	var id string
	_ = json.Unmarshal(params["store"], &id)
	if s, ok := d.stores[id]; ok {
		s.shutdown()
		delete(d.stores, id)
	}
	return map[string]any{}, nil
}

func (s *store) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.cache.Shutdown(ctx); err != nil {
		logger.Printf("Shutdown: %v", err)
	}
	s.transport.CloseIdleConnections()
}

func (d *driver) call(method string, params map[string]json.RawMessage) (any, error) {
	switch method {
	case "hello":
		var asked int
		_ = json.Unmarshal(params["protocol"], &asked)
		if asked != protocol {
			logger.Printf("harness speaks protocol %d, this driver %d", asked, protocol)
		}
		return map[string]any{
			"protocol":     protocol,
			"name":         fmt.Sprintf("jwx %s (jwk.Cache, httprc %s)", jwxVersion, httprcVersion),
			"capabilities": capabilities,
			"key_support":  keySupport,
			"version":      jwxVersion,
		}, nil
	case "set_clock":
		// Recorded only: httprc schedules refreshes with time.Now and a ticker, with no seam
		// for a clock. See README.md.
		var now float64
		if err := json.Unmarshal(params["now"], &now); err != nil {
			return nil, fail("internal", "set_clock needs a number")
		}
		d.now = now
		return map[string]any{}, nil
	case "open_store":
		return d.openStore(params)
	case "verify":
		return d.verify(params)
	case "warnings":
		if _, err := d.store(params); err != nil {
			return nil, err
		}
		// httprc sends refresh errors to an error sink (a no-op by default); jwx logs nothing.
		return map[string]any{"warnings": []string{}}, nil
	case "close_store":
		return d.closeStore(params)
	case "shutdown":
		return map[string]any{}, nil
	}
	return nil, fail("unsupported", "the jwx driver does not implement %s", method)
}

type request struct {
	ID     json.RawMessage            `json:"id"`
	Method string                     `json:"method"`
	Params map[string]json.RawMessage `json:"params"`
}

func (d *driver) answer(line []byte) (map[string]any, bool) {
	var req request
	if err := json.Unmarshal(line, &req); err != nil || len(req.ID) == 0 {
		return map[string]any{
			"id":    nil,
			"error": map[string]any{"type": "internal", "message": "a request line that is not a JSON request"},
		}, false
	}
	if req.Params == nil {
		req.Params = map[string]json.RawMessage{}
	}
	result, err := d.call(req.Method, req.Params)
	if err != nil {
		body := map[string]any{"type": "internal", "message": err.Error()}
		var de *driverError
		if errors.As(err, &de) {
			body["type"] = de.kind
			if de.field != "" {
				body["field"] = de.field
			}
		}
		return map[string]any{"id": req.ID, "error": body}, false
	}
	return map[string]any{"id": req.ID, "result": result}, req.Method == "shutdown"
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
	for id, s := range d.stores {
		s.shutdown()
		delete(d.stores, id)
	}
	os.Exit(0)
}
