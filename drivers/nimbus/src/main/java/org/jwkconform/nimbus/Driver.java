package org.jwkconform.nimbus;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.source.JWKSetBasedJWKSource;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.JWSVerifierFactory;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A jwkconform driver (docs/driver-protocol.md, protocol 2) for Nimbus JOSE+JWT's
 * {@code JWKSourceBuilder}, verifying with {@code DefaultJWTProcessor} and
 * {@code JWSVerificationKeySelector} as Nimbus documents. One JVM serves a whole run.
 *
 * <p>JSON lines: one request per line on stdin, one answer per line on stdout, in order; logs
 * go to stderr only ({@code System.out} points there, so no stray print breaks the framing).
 * See README.md in this folder for what is mapped and how; the driver translates and never
 * changes what the library decides.
 */
public final class Driver {

  static final int PROTOCOL = 2;

  // verify only: Nimbus's JWKSource answers JWKSelector queries, but which JWKs fit a purpose
  // would then be the driver's matcher, not the library's; the library's own selection is the
  // one JWSVerificationKeySelector makes from the token header. cache-timeout: the builder's
  // time-to-live. default-client: its DefaultResourceRetriever.
  static final List<String> CAPABILITIES = List.of("verify", "cache-timeout", "default-client");

  // What Nimbus verifies without optional dependencies (Ed25519 needs Tink, not on the class
  // path). HS*: JWSVerificationKeySelector takes secret keys from any JWK source.
  static final List<String> KINDS = List.of("RSA", "EC-P-256", "EC-P-384", "EC-P-521", "oct");
  static final List<String> ALGORITHMS =
      List.of(
          "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
          "HS256", "HS384", "HS512");

  /** The catalogue's body-size cap (LOAD-06), which Nimbus takes as its retriever's limit. */
  static final int SIZE_LIMIT = 1024 * 1024;

  /** The harness's fake time in milliseconds; time never goes back within a process. */
  static volatile long nowMillis = 0L;

  static final class DriverError extends Exception {
    final String type;
    final String field;
    final String exception;

    DriverError(String type, String message, String field, String exception) {
      super(message);
      this.type = type;
      this.field = field;
      this.exception = exception;
    }

    static DriverError of(String type, String message) {
      return new DriverError(type, message, null, null);
    }
  }

  /**
   * Nimbus's caches take the current time as an argument ({@code JWKSetSource.getJWKSet(...,
   * currentTime, ...)}); only the outermost {@code JWKSetBasedJWKSource.get} reads {@code
   * System.currentTimeMillis()}. This source sits between that outermost source and the
   * builder's chain and hands the chain the fake time instead: every cache, refresh-ahead,
   * rate-limit and outage decision below it runs on the harness's clock.
   */
  static final class FakeTimeSource implements JWKSetSource<SecurityContext> {
    final JWKSetSource<SecurityContext> inner;

    FakeTimeSource(JWKSetSource<SecurityContext> inner) {
      this.inner = inner;
    }

    @Override
    public JWKSet getJWKSet(
        JWKSetCacheRefreshEvaluator evaluator, long realTime, SecurityContext context)
        throws com.nimbusds.jose.KeySourceException {
      return inner.getJWKSet(evaluator, nowMillis, context);
    }

    @Override
    public void close() throws IOException {
      inner.close();
    }
  }

  /** Runs refresh-ahead's task in the query's own thread: its fetch is the query's. */
  static final class InlineExecutor extends AbstractExecutorService {
    volatile boolean shutdown;

    @Override
    public void execute(Runnable command) {
      command.run();
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
      shutdown = true;
      return Collections.emptyList();
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public boolean isTerminated() {
      return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }
  }

  /** The JWKs the library's source last returned to the key selector (for secret_id). */
  static final class Watched implements JWKSource<SecurityContext> {
    final JWKSource<SecurityContext> inner;
    List<JWK> lastSelected = List.of();

    Watched(JWKSource<SecurityContext> inner) {
      this.inner = inner;
    }

    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context)
        throws com.nimbusds.jose.KeySourceException {
      List<JWK> selected = inner.get(selector, context);
      lastSelected = selected == null ? List.of() : List.copyOf(selected);
      return selected;
    }
  }

  /** Nimbus's own verifier factory; remembers the key whose verifier said yes. */
  static final class WatchingFactory implements JWSVerifierFactory {
    final DefaultJWSVerifierFactory inner = new DefaultJWSVerifierFactory();
    Key verifiedWith;

    @Override
    public JWSVerifier createJWSVerifier(JWSHeader header, Key key) throws JOSEException {
      JWSVerifier verifier = inner.createJWSVerifier(header, key);
      if (verifier == null) {
        return null;
      }
      return new JWSVerifier() {
        @Override
        public boolean verify(JWSHeader h, byte[] content, Base64URL signature)
            throws JOSEException {
          boolean ok = verifier.verify(h, content, signature);
          if (ok) {
            verifiedWith = key;
          }
          return ok;
        }

        @Override
        public Set<JWSAlgorithm> supportedJWSAlgorithms() {
          return verifier.supportedJWSAlgorithms();
        }

        @Override
        public JCAContext getJCAContext() {
          return verifier.getJCAContext();
        }
      };
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
      return inner.supportedJWSAlgorithms();
    }

    @Override
    public JCAContext getJCAContext() {
      return inner.getJCAContext();
    }
  }

  static final class Store {
    final Watched source;
    final JWKSetBasedJWKSource<SecurityContext> built;

    Store(Watched source, JWKSetBasedJWKSource<SecurityContext> built) {
      this.source = source;
      this.built = built;
    }
  }

  final Map<String, Store> stores = new HashMap<>();
  int count;

  static String version() {
    Properties properties = new Properties();
    try (InputStream in = Driver.class.getResourceAsStream("/nimbus-driver.properties")) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      return "unknown";
    }
    return properties.getProperty("nimbus.version", "unknown");
  }

  Object hello() {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("protocol", PROTOCOL);
    result.put("name", "Nimbus JOSE+JWT " + version() + " (JWKSourceBuilder)");
    result.put("version", version());
    result.put("capabilities", CAPABILITIES);
    result.put("key_support", Map.of("kinds", KINDS, "algorithms", ALGORITHMS));
    return result;
  }

  static double number(Object value, double otherwise) {
    return value instanceof Number ? ((Number) value).doubleValue() : otherwise;
  }

  @SuppressWarnings("unchecked")
  Object openStore(Map<String, Object> params) throws DriverError {
    if (!(params.get("config") instanceof Map)) {
      throw DriverError.of("internal", "open_store needs a config object");
    }
    Map<String, Object> config = (Map<String, Object>) params.get("config");
    Map<String, Object> durations =
        params.get("durations") instanceof Map
            ? (Map<String, Object>) params.get("durations")
            : Map.of();
    // Nimbus takes a java.net.URL: a member that Java cannot make one of never reaches it.
    URL url;
    Object jwkUrl = config.get("jwkUrl");
    try {
      url = URI.create((String) jwkUrl).toURL();
    } catch (RuntimeException | java.net.MalformedURLException e) {
      throw new DriverError(
          "config_refused", "jwkUrl is not a URL Java can build: " + e, "jwkUrl", null);
    }
    int fetchMillis = (int) Math.max(1, Math.round(number(params.get("fetch_timeout"), 1.0) * 1000));
    JWKSourceBuilder<SecurityContext> builder;
    if (Boolean.TRUE.equals(params.get("own_client"))) {
      // The builder's own DefaultResourceRetriever: connect and per-read time-outs (500 ms)
      // and a 50 KiB limit; no whole-fetch deadline to give it.
      builder = JWKSourceBuilder.create(url);
    } else {
      builder =
          JWKSourceBuilder.create(
              url, new DefaultResourceRetriever(fetchMillis, fetchMillis, SIZE_LIMIT));
    }
    // Refresh-ahead stays on (the builder's default), with its task run in the query's thread.
    builder.refreshAheadCache(
        JWKSourceBuilder.DEFAULT_REFRESH_AHEAD_TIME, null, new InlineExecutor(), true, null, true);
    if (durations.containsKey("cacheTimeout")) {
      Object seconds = durations.get("cacheTimeout");
      long ttl =
          seconds instanceof Number
              ? Math.round(((Number) seconds).doubleValue() * 1000)
              : Long.MAX_VALUE;
      builder.cache(ttl, JWKSourceBuilder.DEFAULT_CACHE_REFRESH_TIMEOUT);
    }
    // cacheMissCacheTime, leaseExpiry, handler: no equivalent (Nimbus's rate limit bounds every
    // retrieval, not misses, and must stay under the time-to-live); ignored, never refused.
    JWKSource<SecurityContext> built;
    try {
      built = builder.build();
    } catch (IllegalStateException | IllegalArgumentException e) {
      String field = durations.containsKey("cacheTimeout") ? "cacheTimeout" : "jwkUrl";
      throw new DriverError("config_refused", e.getMessage(), field, null);
    }
    JWKSetBasedJWKSource<SecurityContext> based = (JWKSetBasedJWKSource<SecurityContext>) built;
    JWKSource<SecurityContext> clocked =
        new JWKSetBasedJWKSource<>(new FakeTimeSource(based.getJWKSetSource()));
    count++;
    String id = "s" + count;
    stores.put(id, new Store(new Watched(clocked), based));
    return Map.of("store", id);
  }

  Store store(Map<String, Object> params) throws DriverError {
    Store store = stores.get(String.valueOf(params.get("store")));
    if (store == null) {
      throw DriverError.of("internal", "no open store " + params.get("store"));
    }
    return store;
  }

  static Map<String, Object> outcome(boolean verified, String secretId, String reason) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("verified", verified);
    result.put("secret_id", secretId);
    result.put("tried", null);
    result.put("reason", reason);
    return result;
  }

  Object verify(Map<String, Object> params) throws DriverError {
    Store store = store(params);
    if (!(params.get("token") instanceof String)) {
      throw DriverError.of("internal", "verify needs a token string");
    }
    String token = (String) params.get("token");
    // secret_id (verificationSecretId) has no equivalent in Nimbus: neither used nor checked.
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (java.text.ParseException | RuntimeException e) {
      return outcome(false, null, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
    JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
    if (!ALGORITHMS.contains(alg.getName())) {
      return outcome(false, null, "the token's alg " + alg.getName() + " is not one the driver allows");
    }
    DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(alg, store.source));
    WatchingFactory factory = new WatchingFactory();
    processor.setJWSVerifierFactory(factory);
    processor.setJWTClaimsSetVerifier(null); // signatures only (decision D-19)
    store.source.lastSelected = List.of();
    try {
      processor.process(jwt, null);
    } catch (Exception e) {
      return outcome(false, null, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
    String secretId = null;
    String reason = "";
    for (JWK jwk : store.source.lastSelected) {
      if (sameMaterial(jwk, factory.verifiedWith)) {
        secretId = stableId(jwk);
        break;
      }
    }
    if (secretId == null) {
      reason = "verified, but no JWK Nimbus selected matches the key";
    }
    return outcome(true, secretId, reason);
  }

  static boolean sameMaterial(JWK jwk, Key key) {
    if (key == null) {
      return false;
    }
    try {
      if (jwk instanceof OctetSequenceKey) {
        return Arrays.equals(((OctetSequenceKey) jwk).toByteArray(), key.getEncoded());
      }
      if (jwk instanceof com.nimbusds.jose.jwk.AsymmetricJWK && key instanceof PublicKey) {
        PublicKey mine = ((com.nimbusds.jose.jwk.AsymmetricJWK) jwk).toPublicKey();
        return Arrays.equals(mine.getEncoded(), key.getEncoded());
      }
    } catch (JOSEException e) {
      return false;
    }
    return false;
  }

  /** The JWK's kid, or its RFC 7638 thumbprint when it has none (decision D-1). */
  static String stableId(JWK jwk) {
    if (jwk.getKeyID() != null) {
      return jwk.getKeyID();
    }
    try {
      return jwk.computeThumbprint().toString();
    } catch (JOSEException e) {
      return null;
    }
  }

  Object closeStore(Map<String, Object> params) {
    Store store = stores.remove(String.valueOf(params.get("store")));
    if (store != null) {
      try {
        store.built.close();
      } catch (IOException e) {
        System.err.println("[nimbus driver] closing a store: " + e);
      }
    }
    return Map.of();
  }

  Object call(String method, Map<String, Object> params) throws DriverError {
    switch (method) {
      case "hello":
        return hello();
      case "set_clock":
        if (!(params.get("now") instanceof Number)) {
          throw DriverError.of("internal", "set_clock needs a number");
        }
        nowMillis = Math.round(((Number) params.get("now")).doubleValue() * 1000);
        return Map.of();
      case "open_store":
        return openStore(params);
      case "verify":
        return verify(params);
      case "warnings":
        store(params);
        return Map.of("warnings", List.of()); // events go to listeners the driver sets none of
      case "close_store":
        return closeStore(params);
      case "shutdown":
        return Map.of();
      default:
        throw DriverError.of("unsupported", "the Nimbus driver does not implement " + method);
    }
  }

  @SuppressWarnings("unchecked")
  public static void main(String[] args) throws IOException {
    PrintStream out =
        new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    System.setOut(System.err);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16);
    Driver driver = new Driver();
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) {
        continue;
      }
      Map<String, Object> response = new LinkedHashMap<>();
      Map<String, Object> request;
      try {
        request = JSONObjectUtils.parse(line);
      } catch (java.text.ParseException | RuntimeException e) {
        request = null;
      }
      if (request == null || !request.containsKey("id")) {
        response.put("id", null);
        response.put(
            "error", Map.of("type", "internal", "message", "a request line that is not a JSON request"));
        out.println(JSONObjectUtils.toJSONString(response));
        out.flush();
        continue;
      }
      Object id = request.get("id");
      if (id instanceof Number) {
        id = ((Number) id).longValue();
      }
      response.put("id", id);
      String method = String.valueOf(request.get("method"));
      Map<String, Object> params =
          request.get("params") instanceof Map ? (Map<String, Object>) request.get("params") : Map.of();
      try {
        response.put("result", driver.call(method, params));
      } catch (DriverError e) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("type", e.type);
        error.put("message", String.valueOf(e.getMessage()));
        if (e.field != null) {
          error.put("field", e.field);
        }
        response.put("error", error);
      } catch (RuntimeException e) {
        response.put("error", Map.of("type", "internal", "message", e.toString()));
      }
      out.println(JSONObjectUtils.toJSONString(response));
      out.flush();
      if ("shutdown".equals(method)) {
        break;
      }
    }
    for (Store store : new ArrayList<>(driver.stores.values())) {
      try {
        store.built.close();
      } catch (IOException e) {
        // the process is ending
      }
    }
    System.exit(0);
  }
}
