#!/usr/bin/env python3
"""A KMS-API endpoint on loopback for the tests: moto's server (moto 5.2.1; elsewhere `pip install "moto[server]"`)
with the checks AWS KMS makes on data calls and moto leaves out:

- a disabled key refuses Encrypt, Decrypt and GenerateDataKey (DisabledException), a key pending deletion too
  (KMSInvalidStateException);
- a key policy statement that denies kms:Encrypt, kms:Decrypt or kms:GenerateDataKey to "*" on "*" is enforced
  (AccessDeniedException), as moto already does for kms:DescribeKey;
- a key whose description contains "throttle" answers every data call with ThrottlingException, so the tests can
  see the client's bounded retry.

Usage: python3 tests/kms/kms_server.py -H 127.0.0.1 -p PORT   (the arguments of moto_server)
"""
import sys
import threading

from moto.core.exceptions import JsonRESTError
from moto.kms import models, policy_validator


class DisabledException(JsonRESTError):
    code = 400

    def __init__(self, message):
        super().__init__("DisabledException", message)


class KMSInvalidStateException(JsonRESTError):
    code = 400

    def __init__(self, message):
        super().__init__("KMSInvalidStateException", message)


class ThrottlingException(JsonRESTError):
    code = 400

    def __init__(self, message):
        super().__init__("ThrottlingException", message)


for action in ("Encrypt", "Decrypt", "GenerateDataKey"):
    policy_validator.ALTERNATIVE_ACTIONS[f"kms:{action}"] = ["kms:*", f"kms:{action}"]

_inner = threading.local()


def _check(backend, key_id, action):
    key = backend.keys[backend.any_id_to_key_id(key_id)]
    if "throttle" in (key.description or ""):
        raise ThrottlingException("Rate exceeded")
    if key.key_state == "Disabled":
        raise DisabledException(f"{key.arn} is disabled.")
    if key.key_state != "Enabled":
        raise KMSInvalidStateException(f"{key.arn} is {key.key_state}.")
    policy_validator.validate_policy(key, action)


_encrypt = models.KmsBackend.encrypt
_decrypt = models.KmsBackend.decrypt
_generate = models.KmsBackend.generate_data_key


def encrypt(self, key_id, plaintext, encryption_context):
    if not getattr(_inner, "active", False):
        _check(self, key_id, "kms:Encrypt")
    return _encrypt(self, key_id, plaintext, encryption_context)


def decrypt(self, ciphertext_blob, encryption_context, key_id=None):
    plaintext, arn = _decrypt(self, ciphertext_blob, encryption_context, key_id)
    _check(self, arn, "kms:Decrypt")
    return plaintext, arn


def generate_data_key(self, key_id, encryption_context, number_of_bytes, key_spec):
    _check(self, key_id, "kms:GenerateDataKey")
    _inner.active = True
    try:
        return _generate(self, key_id, encryption_context, number_of_bytes, key_spec)
    finally:
        _inner.active = False


models.KmsBackend.encrypt = encrypt
models.KmsBackend.decrypt = decrypt
models.KmsBackend.generate_data_key = generate_data_key

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
