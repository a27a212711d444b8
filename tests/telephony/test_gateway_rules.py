"""Gateways as telephony.gateways keeps them, rule by rule: a gateway the operator adds is stored
active at version 1 (what running drivers compare against), and the gateway list is in the order the
gateways were added, whatever was edited since."""
from flashcall.db import db
from flashcall.models import Gateway
from flashcall.settings import Settings
from flashcall.telephony import gateways


def _settings(app):
    return Settings.from_config(app.config)


def test_a_new_gateway_is_stored_active_at_version_one(app, make):
    """create_gateway: the new SIP trunk, read back from the database, is active, at version 1, with
    the block it was given."""
    created = gateways.create_gateway({"kind": "sip", "name": "Trunk", "host": "127.0.0.1"}, _settings(app),
                                      blocks=["+98219100XXXX"])
    assert (created.active, created.version) == (True, 1)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Gateway, created.id)
    assert (stored.name, stored.active, stored.version) == ("Trunk", True, 1)
    assert [b.pattern for b in stored.blocks] == ["+98219100XXXX"]


def test_the_gateway_list_keeps_the_order_gateways_were_added_in_after_edits(app, make):
    """Three trunks added as First, Second, Third; then First and Second are edited (renamed): the
    list still shows them by when they were added (First, Second, Third after any gateway that came
    before), not by when their rows last changed."""
    settings = _settings(app)
    before = [g.name for g in gateways.visible_gateways()]
    added = [gateways.create_gateway({"kind": "sip", "name": name, "host": "127.0.0.1"}, settings)
             for name in ("First", "Second", "Third")]
    db.session.commit()
    for gateway, name in zip(added[:2], ("First (edited)", "Second (edited)")):
        gateways.update_gateway(gateway, {"name": name, "host": "127.0.0.1"}, settings)
        db.session.commit()
    db.session.expire_all()
    names = [g.name for g in gateways.visible_gateways()]
    assert names[len(before):] == ["First (edited)", "Second (edited)", "Third"]
    assert names[:len(before)] == before
