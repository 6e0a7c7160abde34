"""Which targets the private-host guard refuses, decided without the network."""
import pytest

from crawler.middlewares import is_private_address, literal_host_is_private


@pytest.mark.parametrize("address,expected", [
    ("127.0.0.1", True), ("10.1.2.3", True), ("172.16.0.9", True), ("192.168.1.1", True),
    ("169.254.169.254", True),          # cloud metadata endpoint
    ("0.0.0.0", True), ("::1", True), ("fe80::1", True), ("fc00::1", True),
    ("::ffff:127.0.0.1", True),         # IPv4-mapped loopback
    ("224.0.0.1", True),                # multicast
    ("202.96.134.133", False), ("2400:da00::6666", False),
    ("not-an-ip", False),
], ids=lambda value: str(value))
def test_is_private_address(address, expected):
    assert is_private_address(address) is expected


@pytest.mark.parametrize("host,expected", [
    ("localhost", True), ("LOCALHOST.", True), ("foo.localhost", True), ("[::1]", True),
    ("127.0.0.1", True), ("8.8.8.8", False),
    ("www.example.gov.cn", None),       # a name: needs DNS (or the proxy) to decide
], ids=lambda value: str(value))
def test_literal_host_is_private(host, expected):
    assert literal_host_is_private(host) is expected
