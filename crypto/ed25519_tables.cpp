// Ed25519 verification by table additions: see ed25519_tables.hpp for what it promises.
//
// The arithmetic follows the published formulas, in the notation of the papers, so single capital
// letters (X, Y, Z, T) are projective coordinates, as in Hisil, Wong, Carter and Dawson, "Twisted
// Edwards Curves Revisited" (2008), and Bernstein et al., "High-speed high-security signatures"
// (2011), section 4 (the radix-16 fixed-base method used here for both B and -A).
//
// Curve: -x^2 + y^2 = 1 + d x^2 y^2 over GF(p), p = 2^255 - 19, d = -121665/121666.
// Field elements are five 51-bit limbs. Every function returns limbs below 2^51 + 2^12 ("loosely
// reduced") and accepts such inputs: then a product's column sums stay below 2^109 and a
// subtraction's a + 2p - b never goes negative.
#include "crypto/ed25519_tables.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <string_view>
#include <variant>
#include <vector>

#include "common/assert.hpp"
#include "common/bounded_fifo_map.hpp"
#include "common/bounded_lru_map.hpp"
#include "crypto/encoding.hpp"

namespace custos::crypto::ed25519_tables {

namespace {

using Limb = std::uint64_t;
__extension__ using Wide = unsigned __int128;  // GCC and Clang on 64-bit targets; not ISO C++.

constexpr Limb low51 = (Limb{1} << 51) - 1;

// ---------------------------------------------------------------------------------------------
// GF(2^255 - 19).

struct Field {
    std::array<Limb, 5> limb{};
};

Field field_small(Limb value) {
    return Field{{value, 0, 0, 0, 0}};
}

// Carries each limb into the next, one after another; the carry out of the top limb wraps around
// times 19 (2^255 = 19 mod p). For exact reduction (field_to_bytes).
Field field_carry_serial(std::array<Limb, 5> t) {
    Limb carry = 0;
    for (std::size_t i = 0; i < 5; ++i) {
        t[i] += carry;
        carry = t[i] >> 51;
        t[i] &= low51;
    }
    t[0] += carry * 19;
    return Field{t};
}

// The same carries taken all at once from the unreduced limbs (no chain of dependent steps): for
// limbs below 2^54 (a sum of two loosely reduced elements, or a + 2p - b) this leaves every limb
// below 2^51 + 2^7. Additions and subtractions took half the time of a verification with the
// chained carries, so this must stay cheap.
inline Field field_carry(const std::array<Limb, 5>& t) {
    return Field{{(t[0] & low51) + (t[4] >> 51) * 19, (t[1] & low51) + (t[0] >> 51),
                  (t[2] & low51) + (t[1] >> 51), (t[3] & low51) + (t[2] >> 51),
                  (t[4] & low51) + (t[3] >> 51)}};
}

inline Field field_add(const Field& a, const Field& b) {
    return field_carry({a.limb[0] + b.limb[0], a.limb[1] + b.limb[1], a.limb[2] + b.limb[2],
                        a.limb[3] + b.limb[3], a.limb[4] + b.limb[4]});
}

// a + 2p - b: no limb goes negative for b's limbs below 2^52 - 38.
inline Field field_sub(const Field& a, const Field& b) {
    constexpr Limb two_p_low = 2 * ((Limb{1} << 51) - 19);
    constexpr Limb two_p_other = 2 * low51;
    return field_carry({a.limb[0] + two_p_low - b.limb[0], a.limb[1] + two_p_other - b.limb[1],
                        a.limb[2] + two_p_other - b.limb[2], a.limb[3] + two_p_other - b.limb[3],
                        a.limb[4] + two_p_other - b.limb[4]});
}

Field field_negate(const Field& a) {
    return field_sub(Field{}, a);
}

Field field_reduce_wide(Wide r0, Wide r1, Wide r2, Wide r3, Wide r4) {
    r1 += r0 >> 51;
    r2 += r1 >> 51;
    r3 += r2 >> 51;
    r4 += r3 >> 51;
    Wide low = (r4 >> 51) * 19 + (static_cast<Limb>(r0) & low51);
    Field out;
    out.limb[0] = static_cast<Limb>(low) & low51;
    out.limb[1] = (static_cast<Limb>(r1) & low51) + static_cast<Limb>(low >> 51);
    out.limb[2] = static_cast<Limb>(r2) & low51;
    out.limb[3] = static_cast<Limb>(r3) & low51;
    out.limb[4] = static_cast<Limb>(r4) & low51;
    return out;
}

Field field_mul(const Field& a, const Field& b) {
    const auto& x = a.limb;
    const auto& y = b.limb;
    const Limb y1_19 = y[1] * 19, y2_19 = y[2] * 19, y3_19 = y[3] * 19, y4_19 = y[4] * 19;
    Wide r0 =
        Wide{x[0]} * y[0] + Wide{x[1]} * y4_19 + Wide{x[2]} * y3_19 + Wide{x[3]} * y2_19 + Wide{x[4]} * y1_19;
    Wide r1 =
        Wide{x[0]} * y[1] + Wide{x[1]} * y[0] + Wide{x[2]} * y4_19 + Wide{x[3]} * y3_19 + Wide{x[4]} * y2_19;
    Wide r2 =
        Wide{x[0]} * y[2] + Wide{x[1]} * y[1] + Wide{x[2]} * y[0] + Wide{x[3]} * y4_19 + Wide{x[4]} * y3_19;
    Wide r3 =
        Wide{x[0]} * y[3] + Wide{x[1]} * y[2] + Wide{x[2]} * y[1] + Wide{x[3]} * y[0] + Wide{x[4]} * y4_19;
    Wide r4 =
        Wide{x[0]} * y[4] + Wide{x[1]} * y[3] + Wide{x[2]} * y[2] + Wide{x[3]} * y[1] + Wide{x[4]} * y[0];
    return field_reduce_wide(r0, r1, r2, r3, r4);
}

Field field_square(const Field& a) {
    const auto& x = a.limb;
    const Limb x0_2 = x[0] * 2, x1_2 = x[1] * 2;
    const Limb x1_38 = x[1] * 38, x2_38 = x[2] * 38, x3_38 = x[3] * 38;
    const Limb x3_19 = x[3] * 19, x4_19 = x[4] * 19;
    Wide r0 = Wide{x[0]} * x[0] + Wide{x1_38} * x[4] + Wide{x2_38} * x[3];
    Wide r1 = Wide{x0_2} * x[1] + Wide{x2_38} * x[4] + Wide{x3_19} * x[3];
    Wide r2 = Wide{x0_2} * x[2] + Wide{x[1]} * x[1] + Wide{x3_38} * x[4];
    Wide r3 = Wide{x0_2} * x[3] + Wide{x1_2} * x[2] + Wide{x4_19} * x[4];
    Wide r4 = Wide{x0_2} * x[4] + Wide{x1_2} * x[3] + Wide{x[2]} * x[2];
    return field_reduce_wide(r0, r1, r2, r3, r4);
}

Field field_square_times(Field a, int times) {
    for (int i = 0; i < times; ++i)
        a = field_square(a);
    return a;
}

// z^(2^250 - 1) and z^11, the shared start of inversion, square roots and sqrt(-1).
struct PowerChain {
    Field z_2_250_minus_1;
    Field z_11;
};

PowerChain field_power_chain(const Field& z) {
    Field z2 = field_square(z);
    Field z9 = field_mul(field_square_times(z2, 2), z);
    Field z11 = field_mul(z9, z2);
    Field z_5 = field_mul(field_square(z11), z9);  // z^(2^5 - 1)
    Field z_10 = field_mul(field_square_times(z_5, 5), z_5);
    Field z_20 = field_mul(field_square_times(z_10, 10), z_10);
    Field z_40 = field_mul(field_square_times(z_20, 20), z_20);
    Field z_50 = field_mul(field_square_times(z_40, 10), z_10);
    Field z_100 = field_mul(field_square_times(z_50, 50), z_50);
    Field z_200 = field_mul(field_square_times(z_100, 100), z_100);
    Field z_250 = field_mul(field_square_times(z_200, 50), z_50);
    return {z_250, z11};
}

// z^(p - 2) = z^(2^255 - 21) = 1/z for z != 0.
Field field_invert(const Field& z) {
    PowerChain chain = field_power_chain(z);
    return field_mul(field_square_times(chain.z_2_250_minus_1, 5), chain.z_11);
}

// z^((p - 5) / 8) = z^(2^252 - 3), for square roots.
Field field_pow_p58(const Field& z) {
    return field_mul(field_square_times(field_power_chain(z).z_2_250_minus_1, 2), z);
}

Limb load_le64(const std::uint8_t* bytes) {
    Limb value = 0;
    for (int i = 7; i >= 0; --i)
        value = (value << 8) | bytes[i];
    return value;
}

// The low 255 bits, little-endian; the top bit (a sign in point encodings) is ignored.
Field field_from_bytes(const std::uint8_t* bytes) {
    Field out;
    out.limb[0] = load_le64(bytes) & low51;
    out.limb[1] = (load_le64(bytes + 6) >> 3) & low51;
    out.limb[2] = (load_le64(bytes + 12) >> 6) & low51;
    out.limb[3] = (load_le64(bytes + 19) >> 1) & low51;
    out.limb[4] = (load_le64(bytes + 24) >> 12) & low51;
    return out;
}

// The unique representative in [0, p), little-endian.
std::array<std::uint8_t, 32> field_to_bytes(const Field& a) {
    // Two carry passes leave the value below 2^255 with every limb below 2^51.
    Field h = field_carry_serial(field_carry_serial(a.limb).limb);
    // q = 1 exactly when h >= p, i.e. when h + 19 reaches 2^255.
    Limb q = (h.limb[0] + 19) >> 51;
    for (std::size_t i = 1; i < 5; ++i)
        q = (h.limb[i] + q) >> 51;
    std::array<Limb, 5> t = h.limb;
    t[0] += 19 * q;
    for (std::size_t i = 0; i < 4; ++i) {
        t[i + 1] += t[i] >> 51;
        t[i] &= low51;
    }
    t[4] &= low51;  // Drops the 2^255 that subtracting p leaves.
    const std::array<Limb, 4> words = {t[0] | (t[1] << 51), (t[1] >> 13) | (t[2] << 38),
                                       (t[2] >> 26) | (t[3] << 25), (t[3] >> 39) | (t[4] << 12)};
    std::array<std::uint8_t, 32> out{};
    for (std::size_t w = 0; w < 4; ++w) {
        for (std::size_t b = 0; b < 8; ++b)
            out[w * 8 + b] = static_cast<std::uint8_t>(words[w] >> (8 * b));
    }
    return out;
}

bool field_is_zero(const Field& a) {
    auto bytes = field_to_bytes(a);
    std::uint8_t any = 0;
    for (auto byte : bytes)
        any |= byte;
    return any == 0;
}

bool field_is_negative(const Field& a) {
    return (field_to_bytes(a)[0] & 1) != 0;
}

bool field_equal(const Field& a, const Field& b) {
    return field_to_bytes(a) == field_to_bytes(b);
}

struct Constants {
    Field d;
    Field d2;  // 2d
    Field sqrt_minus_1;
};

Constants compute_constants() {
    Constants c;
    c.d = field_negate(field_mul(field_small(121665), field_invert(field_small(121666))));
    c.d2 = field_add(c.d, c.d);
    // 2 is not a square mod p (p = 5 mod 8), so 2^((p - 1) / 4) = 2^(2^253 - 5) squares to -1.
    Field two = field_small(2);
    PowerChain chain = field_power_chain(two);
    c.sqrt_minus_1 =
        field_mul(field_square_times(chain.z_2_250_minus_1, 3), field_mul(field_square(two), two));
    CUSTOS_ASSERT(field_equal(field_square(c.sqrt_minus_1), field_negate(field_small(1))),
                  "ed25519 tables: sqrt(-1) does not square to -1");
    CUSTOS_ASSERT(field_is_zero(field_add(field_mul(c.d, field_small(121666)), field_small(121665))),
                  "ed25519 tables: d * 121666 != -121665");
    return c;
}

const Constants& constants() {
    static const Constants computed = compute_constants();
    return computed;
}

// ---------------------------------------------------------------------------------------------
// Points.

struct Extended {  // (X : Y : Z : T), x = X/Z, y = Y/Z, x*y = T/Z.
    Field X, Y, Z, T;
};
struct Completed {  // x = X/Z, y = Y/T: what an addition or doubling gives before normalising.
    Field X, Y, Z, T;
};
struct Projective {  // (X : Y : Z), enough to double.
    Field X, Y, Z;
};
struct Precomputed {  // An affine point (x, y) as y + x, y - x, 2 d x y: a mixed addition's input.
    Field y_plus_x, y_minus_x, xy_2d;
};

Extended identity() {
    return {Field{}, field_small(1), field_small(1), Field{}};
}

Extended to_extended(const Completed& p) {
    return {field_mul(p.X, p.T), field_mul(p.Y, p.Z), field_mul(p.Z, p.T), field_mul(p.X, p.Y)};
}

Projective to_projective(const Completed& p) {
    return {field_mul(p.X, p.T), field_mul(p.Y, p.Z), field_mul(p.Z, p.T)};
}

Projective to_projective(const Extended& p) {
    return {p.X, p.Y, p.Z};
}

// 2P for a = -1 ("dbl-2008-hwcd").
Completed point_double(const Projective& p) {
    Field xx = field_square(p.X);
    Field yy = field_square(p.Y);
    Field zz2 = field_square(p.Z);
    zz2 = field_add(zz2, zz2);
    Field sum_squared = field_square(field_add(p.X, p.Y));
    Completed r;
    r.Y = field_add(yy, xx);
    r.Z = field_sub(yy, xx);
    r.X = field_sub(sum_squared, r.Y);
    r.T = field_sub(zz2, r.Z);
    return r;
}

// P + Q, both extended ("add-2008-hwcd-3" for a = -1).
Completed point_add(const Extended& p, const Extended& q) {
    Field a = field_mul(field_sub(p.Y, p.X), field_sub(q.Y, q.X));
    Field b = field_mul(field_add(p.Y, p.X), field_add(q.Y, q.X));
    Field c = field_mul(field_mul(p.T, q.T), constants().d2);
    Field zz = field_mul(p.Z, q.Z);
    Field d = field_add(zz, zz);
    return {field_sub(b, a), field_add(b, a), field_add(d, c), field_sub(d, c)};
}

// P + Q, or P - Q, with Q precomputed ("madd-2008-hwcd-3"). -Q = (-x, y) swaps y + x with y - x
// and negates 2dxy, which swaps the sum and difference of D and C.
Completed point_add_precomputed(const Extended& p, const Precomputed& q, bool subtract) {
    const Field& q_plus = subtract ? q.y_minus_x : q.y_plus_x;
    const Field& q_minus = subtract ? q.y_plus_x : q.y_minus_x;
    Field a = field_mul(field_add(p.Y, p.X), q_plus);
    Field b = field_mul(field_sub(p.Y, p.X), q_minus);
    Field c = field_mul(q.xy_2d, p.T);
    Field d = field_add(p.Z, p.Z);
    Field d_plus_c = field_add(d, c);
    Field d_minus_c = field_sub(d, c);
    return {field_sub(a, b), field_add(a, b), subtract ? d_minus_c : d_plus_c,
            subtract ? d_plus_c : d_minus_c};
}

// The encoding of p given 1/Z (computed by the caller, alone or with others').
std::array<std::uint8_t, 32> point_encode_with(const Extended& p, const Field& z_inverse) {
    Field x = field_mul(p.X, z_inverse);
    Field y = field_mul(p.Y, z_inverse);
    auto bytes = field_to_bytes(y);
    bytes[31] ^= static_cast<std::uint8_t>(field_is_negative(x) ? 0x80 : 0);
    return bytes;
}

std::array<std::uint8_t, 32> point_encode(const Extended& p) {
    return point_encode_with(p, field_invert(p.Z));
}

// RFC 8032 section 5.1.3. Callers re-encode the result and compare, so a non-canonical y never
// gets through.
bool point_decode(const std::uint8_t* bytes, Extended& out) {
    const Constants& c = constants();
    Field y = field_from_bytes(bytes);
    Field yy = field_square(y);
    Field u = field_sub(yy, field_small(1));
    Field v = field_add(field_mul(yy, c.d), field_small(1));
    Field v3 = field_mul(field_square(v), v);
    Field uv7 = field_mul(field_mul(field_square(v3), v), u);
    Field x = field_mul(field_mul(field_pow_p58(uv7), v3), u);  // u v^3 (u v^7)^((p-5)/8)
    Field vxx = field_mul(field_square(x), v);
    if (!field_equal(vxx, u)) {
        if (!field_equal(vxx, field_negate(u))) return false;  // (y^2 - 1)/(d y^2 + 1) has no root.
        x = field_mul(x, c.sqrt_minus_1);
    }
    const bool sign = (bytes[31] >> 7) != 0;
    if (field_is_negative(x) != sign) {
        if (field_is_zero(x)) return false;
        x = field_negate(x);
    }
    out = {x, y, field_small(1), field_mul(x, y)};
    return true;
}

// ---------------------------------------------------------------------------------------------
// Tables: row i holds 1..8 times 256^i P, so that a scalar's 64 signed radix-16 digits e_k pick
// one entry per digit: sum e_k 16^k P = 16 * (sum over odd k) + (sum over even k).

constexpr std::size_t table_rows = 32;
constexpr std::size_t table_columns = 8;

struct Table {
    std::array<std::array<Precomputed, table_columns>, table_rows> rows;
};

std::unique_ptr<Table> build_table(const Extended& point) {
    std::vector<Extended> multiples(table_rows * table_columns);
    Extended row_base = point;
    for (std::size_t row = 0; row < table_rows; ++row) {
        multiples[row * table_columns] = row_base;
        for (std::size_t column = 1; column < table_columns; ++column) {
            multiples[row * table_columns + column] =
                to_extended(point_add(multiples[row * table_columns + column - 1], row_base));
        }
        Projective doubled = to_projective(row_base);
        for (int i = 0; i < 7; ++i)
            doubled = to_projective(point_double(doubled));
        row_base = to_extended(point_double(doubled));  // 256 times the previous row's base.
    }
    // One inversion for all 256 points (Montgomery's trick): prefix[k] = Z_0 * ... * Z_k.
    std::vector<Field> prefix(multiples.size());
    prefix[0] = multiples[0].Z;
    for (std::size_t k = 1; k < multiples.size(); ++k)
        prefix[k] = field_mul(prefix[k - 1], multiples[k].Z);
    Field inverse = field_invert(prefix.back());
    auto table = std::make_unique<Table>();
    const Field& d2 = constants().d2;
    for (std::size_t k = multiples.size(); k-- > 0;) {
        Field z_inverse = k == 0 ? inverse : field_mul(inverse, prefix[k - 1]);
        inverse = field_mul(inverse, multiples[k].Z);
        Field x = field_mul(multiples[k].X, z_inverse);
        Field y = field_mul(multiples[k].Y, z_inverse);
        table->rows[k / table_columns][k % table_columns] = {field_add(y, x), field_sub(y, x),
                                                             field_mul(field_mul(x, y), d2)};
    }
    return table;
}

using Digits = std::array<std::int8_t, 64>;

// Signed radix-16 digits in [-8, 8) of a scalar below 2^253 (the last digit is at most 2).
Digits recode(const std::uint8_t* scalar) {
    Digits e{};
    for (std::size_t i = 0; i < 32; ++i) {
        e[2 * i] = static_cast<std::int8_t>(scalar[i] & 15);
        e[2 * i + 1] = static_cast<std::int8_t>(scalar[i] >> 4);
    }
    int carry = 0;
    for (std::size_t i = 0; i < 63; ++i) {
        int digit = e[i] + carry;
        carry = (digit + 8) >> 4;
        e[i] = static_cast<std::int8_t>(digit - carry * 16);
    }
    e[63] = static_cast<std::int8_t>(e[63] + carry);
    return e;
}

void add_digit(Extended& accumulator, const std::array<Precomputed, table_columns>& row, int digit) {
    if (digit == 0) return;
    const auto column = static_cast<std::size_t>((digit > 0 ? digit : -digit) - 1);
    accumulator = to_extended(point_add_precomputed(accumulator, row[column], digit < 0));
}

// [a]P + [b]Q from the tables of P and Q.
Extended double_scalar_multiply(const Table& p, const Digits& a, const Table& q, const Digits& b) {
    Extended r = identity();
    for (std::size_t k = 1; k < 64; k += 2) {
        add_digit(r, p.rows[k / 2], a[k]);
        add_digit(r, q.rows[k / 2], b[k]);
    }
    Projective times16 = to_projective(r);
    for (int i = 0; i < 3; ++i)
        times16 = to_projective(point_double(times16));
    r = to_extended(point_double(times16));
    for (std::size_t k = 0; k < 64; k += 2) {
        add_digit(r, p.rows[k / 2], a[k]);
        add_digit(r, q.rows[k / 2], b[k]);
    }
    return r;
}

// The base point: y = 4/5, x even.
constexpr std::array<std::uint8_t, 32> base_point_bytes = {
    0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};

const Table& base_table() {
    static const std::unique_ptr<Table> table = [] {
        Extended base;
        CUSTOS_ASSERT(point_decode(base_point_bytes.data(), base) && point_encode(base) == base_point_bytes,
                      "ed25519 tables: the base point does not decode");
        return build_table(base);
    }();
    return *table;
}

// ---------------------------------------------------------------------------------------------
// What libsodium's verifier refuses, checked here with byte comparisons and this file's arithmetic
// (never a libsodium helper), so that this path cannot accept what libsodium refuses whatever
// libsodium build is loaded.

using Bytes32 = std::array<std::uint8_t, 32>;

// p = 2^255 - 19 and L = 2^252 + 27742317777372353535851937790883648493, little-endian.
constexpr Bytes32 field_prime = {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
constexpr Bytes32 group_order = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                 0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                                 0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};

// a < b, both little-endian 256-bit numbers.
bool less_than(const Bytes32& a, const Bytes32& b) {
    for (std::size_t i = 32; i-- > 0;) {
        if (a[i] != b[i]) return a[i] < b[i];
    }
    return false;
}

Bytes32 load_32(const std::uint8_t* bytes) {
    Bytes32 out{};
    std::memcpy(out.data(), bytes, out.size());
    return out;
}

Bytes32 without_sign_bit(const std::uint8_t* bytes) {
    Bytes32 out = load_32(bytes);
    out[31] &= 0x7f;
    return out;
}

// S < L: libsodium refuses any other S (sc25519_is_canonical).
bool scalar_is_canonical(const std::uint8_t* scalar) {
    return less_than(load_32(scalar), group_order);
}

// A point encoding's y below p (libsodium refuses a key with y >= p; an R with y >= p never equals
// the canonical encoding of R').
bool point_y_is_canonical(const std::uint8_t* bytes) {
    return less_than(without_sign_bit(bytes), field_prime);
}

// The encodings libsodium's verifier refuses as of small order, for R and for the key, compared
// with the top (sign) bit masked as libsodium compares them: the points of order 1, 2, 4 and 8 by
// their y (0, 1, p - 1 and the two y of the order-8 points, which sum to p), and y = p, p + 1 (0
// and 1 written non-canonically). small_order_points() checks them with this file's arithmetic.
constexpr std::array<Bytes32, 7> small_order_encodings = {{
    {0},  // y = 0: order 4
    {1},  // y = 1: the identity
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5,
     0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},  // order 8
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a,
     0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},  // order 8
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},  // p - 1:
                                                                                                 // order 2
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},  // p
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},  // p + 1
}};

bool is_small_order_encoding(const std::uint8_t* bytes) {
    const Bytes32 masked = without_sign_bit(bytes);
    for (const auto& encoding : small_order_encodings) {
        if (masked == encoding) return true;
    }
    return false;
}

bool is_identity(const Extended& p) {
    return field_is_zero(p.X) && field_equal(p.Y, p.Z);
}

Extended point_double_extended(const Extended& p) {
    return to_extended(point_double(to_projective(p)));
}

// [L]P by double-and-add on the bits of L (253 doublings): the identity exactly when P is in the
// prime-order subgroup. Both coordinates are compared, X = 0 and Y = Z: the order-2 point (0, -1)
// also has X = 0, which is what the check before CVE-2025-69277's fix missed.
bool in_prime_order_subgroup(const Extended& p) {
    Extended r = identity();
    for (std::size_t bit = 253; bit-- > 0;) {
        r = point_double_extended(r);
        if (((group_order[bit / 8] >> (bit % 8)) & 1) != 0) r = to_extended(point_add(r, p));
    }
    return is_identity(r);
}

// Asserts, once, that the listed encodings are what they claim: each one with y < p decodes to a
// point P with [8]P the identity.
void check_small_order_encodings() {
    static const bool checked = [] {
        std::size_t canonical = 0;
        for (const auto& encoding : small_order_encodings) {
            if (!point_y_is_canonical(encoding.data())) continue;
            Extended p;
            CUSTOS_ASSERT(point_decode(encoding.data(), p),
                          "ed25519 tables: a small-order encoding does not decode");
            Extended times8 = point_double_extended(point_double_extended(point_double_extended(p)));
            CUSTOS_ASSERT(is_identity(times8),
                          "ed25519 tables: a listed small-order point is not of order 8");
            ++canonical;
        }
        CUSTOS_ASSERT(canonical == 5, "ed25519 tables: expected five canonical small-order encodings");
        return true;
    }();
    (void)checked;
}

// The table of -A, or null if the key is one this path leaves to libsodium.
std::shared_ptr<const Table> build_key_table(const PublicKey& key) {
    check_small_order_encodings();
    const std::uint8_t* bytes = key.bytes.data();
    if (!point_y_is_canonical(bytes) || is_small_order_encoding(bytes)) return nullptr;
    Extended a;
    if (!point_decode(bytes, a) || point_encode(a) != key.bytes) return nullptr;
    if (!in_prime_order_subgroup(a)) return nullptr;  // A torsion component: libsodium decides.
    a.X = field_negate(a.X);
    a.T = field_negate(a.T);
    return build_table(a);
}

// R' = [S]B - [h]A, after what libsodium refuses before any arithmetic; false: ask libsodium.
bool compute_r(const Table& negated_key_table, const PublicKey& key, ByteView message,
               const Signature& signature, Extended& r) {
    const std::uint8_t* r_bytes = signature.bytes.data();
    const std::uint8_t* s_bytes = signature.bytes.data() + 32;
    // What libsodium refuses before any arithmetic. (S < L < 2^253 also keeps S's digits within
    // the tables.)
    if (!scalar_is_canonical(s_bytes)) return false;
    if (is_small_order_encoding(r_bytes) || !point_y_is_canonical(r_bytes)) return false;

    crypto_hash_sha512_state state;
    crypto_hash_sha512_init(&state);
    crypto_hash_sha512_update(&state, r_bytes, 32);
    crypto_hash_sha512_update(&state, key.bytes.data(), key.bytes.size());
    crypto_hash_sha512_update(&state, message.data(), message.size());
    std::array<std::uint8_t, 64> digest{};
    crypto_hash_sha512_final(&state, digest.data());
    std::array<std::uint8_t, 32> h{};
    crypto_core_ed25519_scalar_reduce(h.data(), digest.data());

    r = double_scalar_multiply(base_table(), recode(s_bytes), negated_key_table, recode(h.data()));
    return true;
}

// Accepted only when R is the canonical encoding of R' (given 1/Z of R').
Verdict compare_r(const Extended& r, const Field& z_inverse, const Signature& signature) {
    auto encoded = point_encode_with(r, z_inverse);
    return std::memcmp(encoded.data(), signature.bytes.data(), 32) == 0 ? Verdict::accepted
                                                                        : Verdict::ask_libsodium;
}

Verdict verify_with_table(const Table& negated_key_table, const PublicKey& key, ByteView message,
                          const Signature& signature) {
    Extended r;
    if (!compute_r(negated_key_table, key, message, signature, r)) return Verdict::ask_libsodium;
    return compare_r(r, field_invert(r.Z), signature);
}

// Montgomery's simultaneous inversion: 1/z_i for every i from one field inversion and 3(n - 1)
// multiplications. Every z_i is the Z of a point of the curve (never 0 with these complete
// formulas); should the product still be 0, each is inverted alone, as verify_with_table does.
std::vector<Field> invert_all(const std::vector<Field>& z) {
    std::vector<Field> out(z.size());
    if (z.empty()) return out;
    std::vector<Field> prefix(z.size());  // prefix[i] = z_0 ... z_i
    prefix[0] = z[0];
    for (std::size_t i = 1; i < z.size(); ++i)
        prefix[i] = field_mul(prefix[i - 1], z[i]);
    if (field_is_zero(prefix.back())) {
        for (std::size_t i = 0; i < z.size(); ++i)
            out[i] = field_invert(z[i]);
        return out;
    }
    Field inverse = field_invert(prefix.back());  // 1/(z_0 ... z_i), i from the last down
    for (std::size_t i = z.size(); i-- > 1;) {
        out[i] = field_mul(inverse, prefix[i - 1]);
        inverse = field_mul(inverse, z[i]);
    }
    out[0] = inverse;
    return out;
}

// Every R' of `requests` computed with the table `table_of(key)` gives (null: none), all their Z
// inverted at once, each R compared with its own R'; the rest are left to libsodium.
template <class TableOf>
void verify_many_with(std::span<const Request> requests, std::span<Verdict> verdicts, TableOf table_of) {
    CUSTOS_ASSERT(requests.size() == verdicts.size(), "ed25519 tables: one verdict per request");
    std::vector<std::size_t> computed;  // Requests with an R' to compare, in order.
    std::vector<Extended> points;
    std::vector<Field> z;
    computed.reserve(requests.size());
    points.reserve(requests.size());
    z.reserve(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
        verdicts[i] = Verdict::ask_libsodium;
        const Request& request = requests[i];
        auto table = table_of(*request.key);
        Extended r;
        if (!table || !compute_r(*table, *request.key, request.message, *request.signature, r)) continue;
        computed.push_back(i);
        z.push_back(r.Z);
        points.push_back(r);
    }
    const std::vector<Field> inverses = invert_all(z);
    for (std::size_t k = 0; k < computed.size(); ++k)
        verdicts[computed[k]] = compare_r(points[k], inverses[k], *requests[computed[k]].signature);
}

// ---------------------------------------------------------------------------------------------
// The self-test: known answers that a libsodium build, and this file, must give before any table
// is built.

// Issue 19's vector: A = aB + T2 (T2 the point of order 2), R = T2 and S = h a, so that
// [S]B - [h]A = T2 = R for its odd h. libsodium refuses it (R is of small order); a
// crypto_core_ed25519_is_valid_point without the CVE-2025-69277 fix takes A as valid.
constexpr std::string_view torsion_key_hex =
    "a176f56a2d614db898a7a15d378df40742aaa905d9a5a25372bd0ad314f1d724";
constexpr std::string_view torsion_message_hex = "637573746f647900";
constexpr std::string_view torsion_signature_hex =
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"
    "625d80b4725b3c63c1ac92ca9dfbc7c17d1be08f601d083da343e8a9feef8502";
// RFC 8032 section 7.1, test 1 (empty message).
constexpr std::string_view good_key_hex = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr std::string_view good_signature_hex =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f"
    "0595bbe24655141438e7a100b";

std::atomic<testing::PointCheck> libsodium_point_check{crypto_core_ed25519_is_valid_point};

template <class Fixed>
Fixed fixed_from_hex(std::string_view hex) {
    auto bytes = hex_decode(hex);
    CUSTOS_ASSERT(bytes && bytes->size() == Fixed{}.bytes.size(), "ed25519 tables: bad self-test constant");
    Fixed out;
    std::copy(bytes->begin(), bytes->end(), out.bytes.begin());
    return out;
}

bool libsodium_accepts(const PublicKey& key, ByteView message, const Signature& signature) {
    return crypto_sign_verify_detached(signature.bytes.data(), message.data(), message.size(),
                                       key.bytes.data()) == 0;
}

TableStatus run_self_test(testing::PointCheck point_check) {
    TableStatus status{.enabled = false, .reason = {}, .libsodium_version = sodium_version_string()};
    const auto torsion_key = fixed_from_hex<PublicKey>(torsion_key_hex);
    const auto torsion_signature = fixed_from_hex<Signature>(torsion_signature_hex);
    const auto message = hex_decode(torsion_message_hex);
    CUSTOS_ASSERT(message.has_value(), "ed25519 tables: bad self-test message");
    const auto good_key = fixed_from_hex<PublicKey>(good_key_hex);
    const auto good_signature = fixed_from_hex<Signature>(good_signature_hex);
    if (point_check(torsion_key.bytes.data()) != 0) {
        status.reason =
            "libsodium's crypto_core_ed25519_is_valid_point accepts a key with a torsion component "
            "(aB + T2): this libsodium lacks the fix for CVE-2025-69277";
    } else if (libsodium_accepts(torsion_key, *message, torsion_signature)) {
        status.reason = "libsodium's verifier accepts a signature whose R is of small order";
    } else if (build_key_table(torsion_key) != nullptr) {
        status.reason = "the table path takes a key with a torsion component";
    } else if (!libsodium_accepts(good_key, {}, good_signature)) {
        status.reason = "libsodium's verifier refuses RFC 8032's first test vector";
    } else if (auto table = build_key_table(good_key);
               !table || verify_with_table(*table, good_key, {}, good_signature) != Verdict::accepted) {
        status.reason = "the table path refuses RFC 8032's first test vector";
    } else {
        status.enabled = true;
    }
    return status;
}

// ---------------------------------------------------------------------------------------------
// The cache: a key the caller vouches for earns a table the second time, so a key that signs once
// never costs a table build. Every tier is bounded; only vouched-for keys ever enter one.

constexpr std::size_t tables_max = 512;      // 30 KiB each: at most 15 MiB.
constexpr std::size_t seen_once_max = 4096;  // 32-byte keys.
constexpr std::size_t libsodium_only_max = 1024;

// Keys come from the ledger, but officers are many and the hash is cheap to key (SipHash-2-4 with
// a random key per process): nobody can choose keys that all land in one bucket.
class KeyHash {
public:
    KeyHash() {
        // sodium_init() (idempotent) before randombytes, whichever caller builds the cache first.
        CUSTOS_ASSERT(sodium_init() >= 0, "libsodium failed to initialise");
        crypto_shorthash_keygen(secret_.data());
    }
    std::size_t operator()(const PublicKey& key) const {
        std::array<std::uint8_t, crypto_shorthash_BYTES> digest{};
        crypto_shorthash(digest.data(), key.bytes.data(), key.bytes.size(), secret_.data());
        std::size_t value = 0;
        std::memcpy(&value, digest.data(), sizeof value);
        return value;
    }

private:
    std::array<std::uint8_t, crypto_shorthash_KEYBYTES> secret_{};
};

class Cache {
public:
    Cache() { apply(run_self_test(libsodium_point_check.load())); }

    std::shared_ptr<const Table> find(const PublicKey& key) {
        std::lock_guard lock(mutex_);
        const auto* found = tables_.find(key);  // Marks the key's table as used.
        return found == nullptr ? nullptr : *found;
    }

    void note_known_key(const PublicKey& key) {
        {
            std::lock_guard lock(mutex_);
            if (!status_.enabled || reference_only_) return;
            if (tables_.count(key) != 0 || libsodium_only_.count(key) != 0) return;
            if (!seen_once_.erase(key)) {
                seen_once_.insert(key, std::monostate{});
                return;
            }
        }
        auto table = build_key_table(key);  // Outside the lock: about as long as a few verifications.
        std::lock_guard lock(mutex_);
        if (!status_.enabled || reference_only_) return;
        if (table) {
            tables_.insert(key, std::move(table));
        } else {
            libsodium_only_.insert(key, std::monostate{});  // Not examined again.
        }
    }

    // Tables on or off as the self-test found; off forgets every table.
    void apply(TableStatus status) {
        std::lock_guard lock(mutex_);
        status_ = std::move(status);
        if (!status_.enabled) forget_all();
    }

    void set_reference_only(bool reference_only) {
        std::lock_guard lock(mutex_);
        reference_only_ = reference_only;
        if (reference_only_) forget_all();
    }

    TableStatus status() {
        std::lock_guard lock(mutex_);
        TableStatus status = status_;
        if (status.enabled && reference_only_) {
            status.enabled = false;
            status.reason = "reference-only: every signature is checked by libsodium alone";
        }
        return status;
    }

    CacheFigures figures() {
        std::lock_guard lock(mutex_);
        return {.keys_seen = seen_once_.size() + tables_.size() + libsodium_only_.size(),
                .tables = tables_.size(),
                .capacity = seen_once_max + tables_max + libsodium_only_max};
    }

private:
    using KeySet = BoundedFifoMap<PublicKey, std::monostate, KeyHash>;
    using Tables = BoundedLruMap<PublicKey, std::shared_ptr<const Table>, KeyHash>;

    void forget_all() {
        seen_once_ = KeySet(seen_once_max);
        tables_ = Tables(tables_max);
        libsodium_only_ = KeySet(libsodium_only_max);
    }

    std::mutex mutex_;
    TableStatus status_;
    bool reference_only_ = false;
    KeySet seen_once_{seen_once_max};
    Tables tables_{tables_max};
    // Vouched-for keys this path leaves to libsodium (outside the prime-order subgroup).
    KeySet libsodium_only_{libsodium_only_max};
};

Cache& cache() {
    static Cache instance;
    return instance;
}

}  // namespace

Verdict verify(const PublicKey& key, ByteView message, const Signature& signature) {
    // No table for a key nobody vouched for, nor with tables off: nothing to look up or touch.
    auto table = cache().find(key);
    if (!table) return Verdict::ask_libsodium;
    return verify_with_table(*table, key, message, signature);
}

void verify_many(std::span<const Request> requests, std::span<Verdict> verdicts) {
    verify_many_with(requests, verdicts, [](const PublicKey& key) { return cache().find(key); });
}

void note_known_key(const PublicKey& key) {
    cache().note_known_key(key);
}

void set_reference_only(bool reference_only) {
    cache().set_reference_only(reference_only);
}

TableStatus status() {
    return cache().status();
}

Verdict verify_uncached(const PublicKey& key, ByteView message, const Signature& signature) {
    auto table = build_key_table(key);
    if (!table) return Verdict::ask_libsodium;
    return verify_with_table(*table, key, message, signature);
}

void verify_many_uncached(std::span<const Request> requests, std::span<Verdict> verdicts) {
    verify_many_with(requests, verdicts, [](const PublicKey& key) { return build_key_table(key); });
}

CacheFigures cache_figures() {
    return cache().figures();
}

testing::PointCheck testing::set_libsodium_point_check(PointCheck check) {
    return libsodium_point_check.exchange(check);
}

TableStatus testing::rerun_self_test() {
    TableStatus status = run_self_test(libsodium_point_check.load());
    cache().apply(status);
    return status;
}

}  // namespace custos::crypto::ed25519_tables
