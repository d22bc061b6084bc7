// A throw-away identity provider for the benchmarks (node, no packages): OIDC discovery and
// the JWKS of one test key, and RS256 access tokens signed with that key. The key is one of
// the server tests' throw-away keys (renku-server/tests/data), which protect nothing.
//
//   node idp.mjs serve KEY.pem ISSUER_FILE     listens on 127.0.0.1 (any free port) and
//                                              writes its issuer URL to ISSUER_FILE
//   node idp.mjs token KEY.pem ISSUER USER      prints an access token for USER (1 hour)
import { createPrivateKey, createPublicKey, sign } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";

const [mode, keyFile, arg, user] = process.argv.slice(2);
if (!keyFile || !arg || (mode === "token" && !user) || !["serve", "token"].includes(mode)) {
    console.error("usage: idp.mjs serve KEY.pem ISSUER_FILE | token KEY.pem ISSUER USER");
    process.exit(2);
}
const key = createPrivateKey(readFileSync(keyFile));
const kid = "bench-key";
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");

if (mode === "token") {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: "RS256", typ: "JWT", kid };
    const claims = {
        iss: arg, aud: ["renku"], sub: `${user}-id`, preferred_username: user,
        email: `${user}@example.org`, name: `${user} Bench`, given_name: user,
        family_name: "Bench", iat: now, exp: now + 3600, realm_access: { roles: [] },
    };
    const input = `${b64(header)}.${b64(claims)}`;
    const signature = sign("RSA-SHA256", Buffer.from(input), key).toString("base64url");
    process.stdout.write(`${input}.${signature}\n`);
} else {
    const jwk = { ...createPublicKey(key).export({ format: "jwk" }), kid, alg: "RS256", use: "sig" };
    let issuer = "";
    const server = createServer((request, response) => {
        const path = new URL(request.url, "http://x").pathname;
        let body;
        if (path === "/auth/realms/Renku/.well-known/openid-configuration") {
            body = {
                issuer, jwks_uri: `${issuer}/protocol/openid-connect/certs`,
                token_endpoint: `${issuer}/protocol/openid-connect/token`,
                device_authorization_endpoint: `${issuer}/protocol/openid-connect/auth/device`,
            };
        } else if (path === "/auth/realms/Renku/protocol/openid-connect/certs") {
            body = { keys: [jwk] };
        }
        response.writeHead(body ? 200 : 404, { "content-type": "application/json" });
        response.end(JSON.stringify(body ?? { error: "not found" }));
    });
    server.listen(0, "127.0.0.1", () => {
        issuer = `http://127.0.0.1:${server.address().port}/auth/realms/Renku`;
        writeFileSync(arg, `${issuer}\n`);
    });
    const stop = () => server.close(() => process.exit(0));
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
}
