#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The access tokens `POST /token` issues, and the check Vertex routes make of them.
///
/// A token carries its expiry, a random nonce and a SipHash-2-4 MAC of both, so any event loop can
/// verify one with no registry and no lock. The MAC key is fixed, or derived from `DECOY_TOKEN_SECRET`
/// when that is set: a proxy that cached a token keeps working across a restart of Decoy (as it would
/// against Google), while a token Decoy did not issue — any other string — is refused.
enum GoogleAccessToken {
    /// What every token starts with: Google's own prefix for OAuth access tokens, then `decoy-`.
    static let prefix = "ya29.decoy-"
    /// Seconds a token lives, as Google's token endpoint says.
    static let lifetime = 3599

    private static let key: (UInt64, UInt64) = {
        var k0: UInt64 = 0x6465_636f_792d_746f  // "decoy-to"
        var k1: UInt64 = 0x6b65_6e2d_6b65_7931  // "ken-key1"
        if let secret = getenv("DECOY_TOKEN_SECRET") {
            for byte in String(cString: secret).utf8 {  // FNV-1a into both halves
                k0 = (k0 ^ UInt64(byte)) &* 0x100_0000_01b3
                k1 = (k1 ^ UInt64(byte)) &* 0x100_0000_01b3 &+ k0
            }
        }
        return (k0, k1)
    }()

    /// A fresh token valid for `lifetime` seconds from `now` (seconds since the epoch).
    static func issue(now: Int = Identifiers.now()) -> String {
        let expiry = UInt64(max(0, now + lifetime))
        let nonce = UInt64.random(in: .min ... .max)
        var out: [UInt8] = Array(prefix.utf8)
        appendHex(expiry, digits: 10, to: &out)
        appendHex(nonce, digits: 16, to: &out)
        appendHex(mac(expiry: expiry, nonce: nonce), digits: 16, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `token` was issued by this process and has not expired at `now`.
    static func verify(_ token: Substring, now: Int = Identifiers.now()) -> Bool {
        let utf8 = token.utf8
        guard utf8.count == prefix.utf8.count + 42, token.hasPrefix(prefix) else { return false }
        let digits = Array(utf8.dropFirst(prefix.utf8.count))
        guard let expiry = hex(digits[0..<10]), let nonce = hex(digits[10..<26]), let tag = hex(digits[26..<42]) else {
            return false
        }
        return tag == mac(expiry: expiry, nonce: nonce) && expiry > UInt64(max(0, now))
    }

    private static func mac(expiry: UInt64, nonce: UInt64) -> UInt64 {
        SipHash24.hash(key: key, expiry, nonce)
    }

    private static func appendHex(_ value: UInt64, digits: Int, to out: inout [UInt8]) {
        for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) {
            out.append([UInt8].hexDigit(UInt8(truncatingIfNeeded: value >> UInt64(shift)) & 0xF))
        }
    }

    private static func hex(_ digits: ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        for byte in digits {
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            value = value << 4 | UInt64(nibble)
        }
        return value
    }
}

/// SipHash-2-4 (Aumasson and Bernstein) of a message of whole 64-bit words: a keyed MAC for short
/// inputs, enough to tell a token this process made from one it did not.
enum SipHash24 {
    static func hash(key: (UInt64, UInt64), _ words: UInt64...) -> UInt64 {
        var v0: UInt64 = 0x736f_6d65_7073_6575 ^ key.0
        var v1: UInt64 = 0x646f_7261_6e64_6f6d ^ key.1
        var v2: UInt64 = 0x6c79_6765_6e65_7261 ^ key.0
        var v3: UInt64 = 0x7465_6462_7974_6573 ^ key.1

        func round() {
            v0 &+= v1
            v1 = v1.rotatedLeft(13) ^ v0
            v0 = v0.rotatedLeft(32)
            v2 &+= v3
            v3 = v3.rotatedLeft(16) ^ v2
            v0 &+= v3
            v3 = v3.rotatedLeft(21) ^ v0
            v2 &+= v1
            v1 = v1.rotatedLeft(17) ^ v2
            v2 = v2.rotatedLeft(32)
        }
        func compress(_ m: UInt64) {
            v3 ^= m
            round()
            round()
            v0 ^= m
        }

        for word in words { compress(word) }
        compress(UInt64(words.count * 8) << 56)  // the length block: no tail bytes, length in the top byte
        v2 ^= 0xff
        for _ in 0..<4 { round() }
        return v0 ^ v1 ^ v2 ^ v3
    }
}

extension UInt64 {
    fileprivate func rotatedLeft(_ count: UInt64) -> UInt64 { self << count | self >> (64 - count) }
}
