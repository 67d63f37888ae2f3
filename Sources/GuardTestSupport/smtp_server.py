"""A real SMTP server for the tests (PyPI aiosmtpd): MailDeliveryTests and the end-to-end tests.

usage: smtp_server.py OUTDIR MODE [CERT KEY USER PASSWORD]
MODE: plain | starttls | tls. Each accepted message is written to OUTDIR as JSON (envelope and raw data).
Recipients ending in @refused.example are rejected with 550. Picks a free loopback port and prints
"READY <port>" once listening.
"""
import base64, json, os, socket, ssl, sys, time, uuid
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

outdir, mode = sys.argv[1], sys.argv[2]
cert = key = user = password = None
if len(sys.argv) > 3:
    cert, key, user, password = sys.argv[3:7]
probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        record = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                  "data": base64.b64encode(envelope.original_content).decode(),
                  "tls": session.ssl is not None, "authenticated": bool(session.authenticated)}
        with open(os.path.join(outdir, f"{uuid.uuid4()}.json"), "w") as f:
            json.dump(record, f)
        return "250 Message accepted"

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
    return AuthResult(success=ok, handled=False)

kwargs = {}
if mode in ("starttls", "tls"):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    if mode == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    else:
        kwargs.update(ssl_context=context)
    # With implicit TLS the whole connection is TLS, which aiosmtpd's STARTTLS-based check does not see.
    kwargs.update(authenticator=authenticator, auth_require_tls=(mode == "starttls"))
controller = Controller(Handler(), hostname="127.0.0.1", port=port, **kwargs)
controller.start()
print(f"READY {port}", flush=True)
try:
    while True:
        time.sleep(3600)
finally:
    controller.stop()
