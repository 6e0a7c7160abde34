"""The shared frontier in Redis: a priority queue with leases, a seen-set, per-host slots and the item queue.

Every multi-key step is one Lua script, so a worker dying between two commands leaves nothing half done.
Times come from the Redis server's clock (TIME), so machines with skewed clocks still agree on leases.
Keys (prefix `nianbao:<spider>`): queue (zset id→score), requests/scores/attempts (hashes by id),
leases (zset id→expiry ms), seen (set of request fingerprints), seq, content (hash digest→url),
items and items:processing (lists of JSON envelopes), workers (hash), host:<h> and hostnext:<h>.
"""
from __future__ import annotations

from dataclasses import dataclass

NOW_MS = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000) "

# KEYS seen queue requests scores seq leases attempts; ARGV fp dont_filter priority payload parent_lease
ENQUEUE = """
if ARGV[5] ~= '' then
  redis.call('ZREM', KEYS[6], ARGV[5]) redis.call('HDEL', KEYS[3], ARGV[5])
  redis.call('HDEL', KEYS[4], ARGV[5]) redis.call('HDEL', KEYS[7], ARGV[5])
end
if ARGV[2] == '0' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
local id = redis.call('INCR', KEYS[5])
local score = -tonumber(ARGV[3]) * 1e9 + id
redis.call('ZADD', KEYS[2], score, id)
redis.call('HSET', KEYS[3], id, ARGV[4])
redis.call('HSET', KEYS[4], id, score)
return id
"""

# KEYS queue leases requests attempts scores; ARGV lease_ms max_attempts
# Returns {requeued, id, payload, attempt}; id '' when the queue is empty; attempt > max: given up.
LEASE = NOW_MS + """
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZADD', KEYS[1], tonumber(redis.call('HGET', KEYS[5], id) or '0'), id)
end
local ids = redis.call('ZRANGE', KEYS[1], 0, 0)
if #ids == 0 then return {#expired, '', '', 0} end
local id = ids[1]
redis.call('ZREM', KEYS[1], id)
local payload = redis.call('HGET', KEYS[3], id) or ''
local attempt = redis.call('HINCRBY', KEYS[4], id, 1)
if attempt > tonumber(ARGV[2]) or payload == '' then
  redis.call('HDEL', KEYS[3], id) redis.call('HDEL', KEYS[4], id) redis.call('HDEL', KEYS[5], id)
else
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), id)
end
return {#expired, id, payload, attempt}
"""

# KEYS leases; ARGV lease_ms id… — extend only leases still held (XX)
RENEW = NOW_MS + """
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i]) end
return #ARGV - 1
"""

# KEYS slots next; ARGV limit delay_ms ttl_ms token → 0 when the slot is taken, else ms to wait
ACQUIRE_HOST = NOW_MS + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 25 end
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if nxt > now then return nxt - now end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[4])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[2], now + tonumber(ARGV[2]), 'PX', tonumber(ARGV[2]) + 1000) end
return 0
"""

# KEYS content; ARGV digest url → the url that claimed the digest first
CLAIM = """
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
return redis.call('HGET', KEYS[1], ARGV[1])
"""


@dataclass(frozen=True)
class Keys:
    """Redis key names of one spider's cluster."""

    prefix: str

    @classmethod
    def for_spider(cls, spider: str = "reports") -> "Keys":
        return cls(f"nianbao:{spider}")

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return f"{self.prefix}:{name.replace('_', ':')}"

    def host(self, host: str) -> str:
        return f"{self.prefix}:host:{host}"

    def host_next(self, host: str) -> str:
        return f"{self.prefix}:hostnext:{host}"


@dataclass(frozen=True)
class Lease:
    id: str
    payload: str
    attempt: int
    requeued: int          # expired leases put back on the queue by this call


class Frontier:
    """Script-backed operations on one spider's keys; every method is one round trip."""

    def __init__(self, server, keys: Keys):
        self.server, self.keys = server, keys
        self._enqueue = server.register_script(ENQUEUE)
        self._lease = server.register_script(LEASE)
        self._renew = server.register_script(RENEW)
        self._acquire = server.register_script(ACQUIRE_HOST)
        self._claim = server.register_script(CLAIM)

    def enqueue(self, fingerprint: str, payload: str, priority: int = 0, dont_filter: bool = False,
                parent_lease: str = "") -> bool:
        """Queue a request unless its fingerprint was seen; ack `parent_lease` (a redirect/retry) atomically."""
        k = self.keys
        added = self._enqueue(keys=[k.seen, k.queue, k.requests, k.scores, k.seq, k.leases, k.attempts],
                              args=[fingerprint, "1" if dont_filter else "0", int(priority), payload, parent_lease])
        return bool(added)

    def lease(self, lease_seconds: float, max_attempts: int) -> Lease | None:
        k = self.keys
        requeued, lease_id, payload, attempt = self._lease(
            keys=[k.queue, k.leases, k.requests, k.attempts, k.scores],
            args=[int(lease_seconds * 1000), max_attempts])
        if not lease_id:
            return Lease("", "", 0, int(requeued)) if requeued else None
        return Lease(_text(lease_id), _text(payload), int(attempt), int(requeued))

    def ack(self, *lease_ids: str) -> None:
        if not lease_ids:
            return
        k = self.keys
        with self.server.pipeline(transaction=True) as pipe:
            pipe.zrem(k.leases, *lease_ids)
            for key in (k.requests, k.scores, k.attempts):
                pipe.hdel(key, *lease_ids)
            pipe.execute()

    def renew(self, lease_seconds: float, lease_ids) -> None:
        if lease_ids:
            self._renew(keys=[self.keys.leases], args=[int(lease_seconds * 1000), *lease_ids])

    def acquire_host(self, host: str, limit: int, delay_seconds: float, ttl_seconds: float, token: str) -> int:
        """0 when a slot on `host` is ours, else milliseconds to wait before asking again."""
        return int(self._acquire(keys=[self.keys.host(host), self.keys.host_next(host)],
                                 args=[limit, int(delay_seconds * 1000), int(ttl_seconds * 1000), token]))

    def renew_host(self, host: str, ttl_seconds: float, token: str) -> None:
        self._renew(keys=[self.keys.host(host)], args=[int(ttl_seconds * 1000), token])

    def release_host(self, host: str, token: str) -> None:
        self.server.zrem(self.keys.host(host), token)

    def claim_content(self, digest: str, url: str) -> str:
        return _text(self._claim(keys=[self.keys.content], args=[digest, url]))

    def frontier_sizes(self) -> tuple[int, int]:
        """(queued, leased) requests."""
        with self.server.pipeline(transaction=False) as pipe:
            pipe.zcard(self.keys.queue)
            pipe.zcard(self.keys.leases)
            queued, leased = pipe.execute()
        return int(queued), int(leased)


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
