"""Twilio's HMAC-SHA1 request signature (pure logic; the HTTP path is in test_services)."""

from assistant_app.sms import signature_valid, twilio_signature

# Twilio's published example (security documentation and helper libraries' tests).
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = [
    ("CallSid", "CA1234567890ABCDE"),
    ("Caller", "+14158675309"),
    ("Digits", "1234"),
    ("From", "+14158675309"),
    ("To", "+18005551212"),
]
SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_documented_vector():
    assert twilio_signature("12345", URL, PARAMS) == SIGNATURE
    assert twilio_signature("12345", URL, list(reversed(PARAMS))) == SIGNATURE


def test_tampering_is_detected():
    assert signature_valid("12345", URL, PARAMS, SIGNATURE)
    assert not signature_valid("12346", URL, PARAMS, SIGNATURE)
    assert not signature_valid("12345", URL + "&x=1", PARAMS, SIGNATURE)
    assert not signature_valid("12345", URL, [*PARAMS[:-1], ("To", "+18005551213")], SIGNATURE)
    assert not signature_valid("12345", URL, PARAMS, None)
    assert not signature_valid("", URL, PARAMS, SIGNATURE)
