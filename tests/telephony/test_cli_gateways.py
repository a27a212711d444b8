"""`gateway create|list|test` and `service set-gateway`, as operators script them."""
from flashcall.db import db
from flashcall.models import Gateway, Service
from flashcall.sealing import unseal

from .ami_server import AmiServer
from .sip_uas import SipEndpoint


def test_create_list_test_and_route(app, runner, make):
    far = SipEndpoint()
    try:
        created = runner.invoke(args=[
            "gateway", "create", "--kind", "sip", "--name", "Trunk", "--host", "127.0.0.1", "--port", str(far.port),
            "--username", "u1", "--password", "p1", "--from-domain", "sip.example.ir", "--ring-seconds", "4",
            "--max-concurrent", "30", "--numbers", "+98219100XXXX,+982191001111,+982191002222"])
        assert created.exit_code == 0, created.output
        gateway = db.session.get(Gateway, int(created.output.strip()))
        assert (gateway.from_domain, gateway.ring_seconds, gateway.max_concurrent) == ("sip.example.ir", 4, 30)
        assert [(b.pattern, b.numbers) for b in gateway.blocks] == [
            ("+98219100XXXX", None), (None, "+982191001111\n+982191002222")]
        assert unseal(app.config["SECRETS_KEY"], gateway.secret_sealed) == "p1"
        listed = runner.invoke(args=["gateway", "list"])
        assert listed.exit_code == 0 and f"{gateway.id}\tsip\tTrunk\t127.0.0.1:{far.port}\tactive" in listed.output
        tested = runner.invoke(args=["gateway", "test", str(gateway.id)])
        assert tested.exit_code == 0 and "reachable" in tested.output and "SIP 200 OK" in tested.output
    finally:
        far.close()
    assert runner.invoke(args=["gateway", "test", str(gateway.id), "--timeout", "0.5"]).exit_code == 1

    backup = runner.invoke(args=["gateway", "create", "--kind", "simulator", "--name", "Sim2",
                                 "--numbers", "+9821920XXXXXX"])
    service = make.service()
    routed = runner.invoke(args=["service", "set-gateway", "--service", str(service.id), "--gateway",
                                 str(gateway.id), "--fallback", backup.output.strip()])
    assert routed.exit_code == 0, routed.output
    db.session.expire_all()
    service = db.session.get(Service, service.id)
    assert (service.gateway_id, service.fallback_gateway_id) == (gateway.id, int(backup.output))


def test_a_sip_gateway_over_tcp_from_the_cli(app, runner):
    far = SipEndpoint(transport="tcp")
    try:
        created = runner.invoke(args=["gateway", "create", "--kind", "sip", "--name", "TcpTrunk", "--host", "127.0.0.1",
                                      "--port", str(far.port), "--transport", "tcp", "--numbers", "+98219100XXXX"])
        assert created.exit_code == 0, created.output
        with app.app_context():
            gateway = db.session.get(Gateway, int(created.output.strip()))
            assert gateway.transport == "tcp"
        listed = runner.invoke(args=["gateway", "list"])
        assert f"{gateway.id}\tsip\tTcpTrunk\t127.0.0.1:{far.port}/tcp\tactive" in listed.output
        tested = runner.invoke(args=["gateway", "test", str(gateway.id)])
        assert tested.exit_code == 0 and "SIP 200 OK" in tested.output, tested.output
        assert far.methods() == ["OPTIONS"] and far.accepted == 1  # over TCP
    finally:
        far.close()
    refused = runner.invoke(args=["gateway", "test", str(gateway.id)])
    assert refused.exit_code == 1 and "SIP over TCP: Connection refused" in refused.output
    other = runner.invoke(args=["gateway", "create", "--kind", "sip", "--name", "X", "--host", "h", "--transport", "tls",
                                "--numbers", "+98219100XXXX"])
    assert other.exit_code != 0 and "tls" in other.output


def test_ami_gateway_from_the_cli(runner):
    server = AmiServer()
    try:
        created = runner.invoke(args=[
            "gateway", "create", "--kind", "ami", "--name", "PBX", "--host", "127.0.0.1", "--port", str(server.port),
            "--username", "flashcall", "--password", "s3cret", "--channel", "SIP/trunk/{phone}",
            "--numbers", "+98219100XXXX"])
        assert created.exit_code == 0, created.output
        assert runner.invoke(args=["gateway", "test", created.output.strip()]).exit_code == 0
    finally:
        server.stop()


def test_bad_input_exits_1_with_a_message_and_saves_nothing(runner, make):
    bad = runner.invoke(args=["gateway", "create", "--kind", "sip", "--name", "X", "--numbers", "+98219100XXXX"])
    assert bad.exit_code == 1 and "host" in bad.output
    bad = runner.invoke(args=["gateway", "create", "--kind", "sip", "--name", "X", "--host", "h",
                              "--numbers", "12345"])
    assert bad.exit_code == 1 and "block" in bad.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Gateway)) == 1  # the default only
    service = make.service()
    missing = runner.invoke(args=["service", "set-gateway", "--service", str(service.id), "--gateway", "999"])
    assert missing.exit_code == 1
