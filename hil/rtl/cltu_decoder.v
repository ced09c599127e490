// cltu_decoder: CCSDS TC channel decoder (231.0-B): start sequence EB90, BCH(63,56) codeblocks, tail.
//
// Hardware twin of protocols.spacelink.cltu.CltuDecoder: searches the octet stream for the start
// sequence, then decodes 8-octet codeblocks (7 information octets + parity octet) until the tail
// sequence C5C5C5C5C5C5C579 or a codeblock it cannot correct ends the CLTU. Same rules as the model:
//   * searching, an octet is skipped once the octet after it is known and the two are not EB 90; the
//     last octet seen is held (it may start the sequence).
//   * in a CLTU, every 8 octets are judged as one block, in this order:
//       the tail sequence exactly                         -> the CLTU ends ("tail"); search again after it
//       syndrome 0 (filler bit ignored)                   -> codeblock accepted as is
//       syndrome of a single-bit error (63 positions)     -> that bit corrected (an information bit is
//                                                            flipped back; a parity bit error only counts)
//       anything else                                     -> codeblock rejected: the CLTU ends ("rejected")
//                                                            and the search resumes at the rejected
//                                                            block's first octet (its 8 octets are
//                                                            searched again, before any new input).
//   * the information octets of every accepted codeblock, fill octets (55) of the last one included,
//     are the CLTU's output, derandomized with the TC sequence when RANDOMIZED = 1.
//   * a pulse on flush ends the input stream (the model's flush()): an open CLTU ends "truncated", the
//     octets held (a partial codeblock, or the one search octet) are counted as skipped.
// A CLTU's last accepted codeblock is only known to be the last when the block after it is judged, so
// each codeblock is held back until the next one is judged: a CLTU's octets leave the block as soon as
// the codeblock after theirs has been judged, and its last 7 octets once the CLTU has ended.
//
// Interface (all synchronous to the rising edge of clk; every output is a register):
//   clk                       in   clock
//   rst                       in   synchronous reset, active high: forgets everything, zeroes the
//                                  counters, s_ready <= 0, m_valid <= 0. Wins over everything: a byte
//                                  handshaken on s_* at a reset edge is discarded; a byte handshaken on
//                                  m_* at a reset edge has left (its CLTU's output is cut short).
//   flush                     in   end of stream after the octets taken up to and including this edge:
//                                  s_ready drops, and once everything taken is judged the open CLTU (if
//                                  any) ends "truncated" and the held octets are skipped. One clock
//                                  is enough; s_ready stays low while flush is high.
//   s_data[7:0]               in   stream byte (ignored while s_valid is low)
//   s_valid                   in   s_data holds a byte; keep it and s_data steady until taken
//   s_ready                   out  the block takes the byte at a rising edge where s_valid && s_ready.
//                                  0 in reset; drops while a rejected block is searched again (8
//                                  clocks), while a flush is pending, and when the output is stalled
//                                  (m_ready low) with a judged codeblock waiting.
//   m_data[7:0]               out  a CLTU's information octet (meaningless while m_valid is low)
//   m_valid                   out  m_data holds an octet; once high it stays high with m_data/m_first/
//                                  m_last/m_end steady until taken (m_valid never waits for m_ready)
//   m_ready                   in   the consumer takes the octet at a rising edge where m_valid && m_ready
//   m_first                   out  with m_valid: the first octet of a CLTU's data
//   m_last                    out  with m_valid: the last octet of a CLTU's data (of its last accepted
//                                  codeblock, fill included)
//   m_end[1:0]                out  with m_last: how the CLTU ended: 0 tail, 1 rejected codeblock (its
//                                  data may be cut short), 2 truncated (flush); 0 on every other octet
//   cltus[31:0]               out  CLTUs ended (tail, rejected or truncated); a CLTU without any accepted
//                                  codeblock counts but puts nothing on m_*
//   codeblocks[31:0]          out  codeblocks accepted (corrected ones included)
//   corrected_bits[31:0]      out  single-bit errors corrected (at most one per codeblock)
//   rejected_codeblocks[31:0] out  codeblocks that ended a CLTU because they could not be corrected
//                                  (a damaged tail too)
//   tails[31:0]               out  CLTUs ended by their tail sequence
//   skipped_bytes[31:0]       out  octets searched through without finding a start sequence (and the
//                                  octets a flush drops); counters wrap modulo 2**32
//   buffered[3:0]             out  octets held and not yet judged: the search octet (0..1) or the
//                                  octets of a partial codeblock (0..7)
//   idle                      out  every octet taken has been judged and nothing waits for the output
//                                  (the last codeblock of an open CLTU may be held): the block waits for
//                                  input (1 in reset)
// Counters change at the edge where the block judges, one clock after the octet that decides it. Whenever
// idle is high and m_valid low they equal the Python model's figures for the same octets (CltuStats):
// cltus, codeblocks, corrected_bits, rejected_codeblocks, tails = the same names, skipped_bytes =
// octets_skipped, buffered = CltuDecoder.buffered (before flush; after a flush pulse and idle, the figures
// after flush()).
//
// Throughput: one octet per clock in (and one per clock out while m_ready is high): a CLTU of n codeblocks
// takes 2 + 8n + 8 clocks; a rejected block costs its 8 octets searched again.
//
// Parameter: RANDOMIZED, 1 to derandomize the output with the TC sequence (CltuDecoder(randomized=True)).
// Verilog-2005, synthesizable; no `timescale (the build supplies it: 1ns/1ps in the tests).

module cltu_decoder #(
    parameter integer RANDOMIZED = 0
) (
    input  wire        clk,
    input  wire        rst,
    input  wire        flush,
    input  wire [7:0]  s_data,
    input  wire        s_valid,
    output reg         s_ready,
    output wire [7:0]  m_data,
    output reg         m_valid,
    input  wire        m_ready,
    output reg         m_first,
    output reg         m_last,
    output reg  [1:0]  m_end,
    output reg  [31:0] cltus,
    output reg  [31:0] codeblocks,
    output reg  [31:0] corrected_bits,
    output reg  [31:0] rejected_codeblocks,
    output reg  [31:0] tails,
    output reg  [31:0] skipped_bytes,
    output reg  [3:0]  buffered,
    output reg         idle
);

    localparam [15:0] START = 16'hEB90;
    localparam [63:0] TAIL  = 64'hC5C5_C5C5_C5C5_C579;
    localparam [6:0]  GPOLY = 7'h45;  // g(x) = x^7 + x^6 + x^2 + 1 without its x^7 term
    localparam [1:0]  END_TAIL      = 2'd0;
    localparam [1:0]  END_REJECTED  = 2'd1;
    localparam [1:0]  END_TRUNCATED = 2'd2;

    generate
        if (RANDOMIZED != 0 && RANDOMIZED != 1) begin : g_bad_parameter
            cltu_decoder_RANDOMIZED_must_be_0_or_1 invalid_parameter ();
        end
    endgenerate

    // BCH remainder register after one more information octet, most significant bit first.
    function [6:0] bch_next;
        input [6:0] r_in;
        input [7:0] data;
        reg   [6:0] r;
        integer     i;
        begin
            r = r_in;
            for (i = 7; i >= 0; i = i - 1)
                r = (r[6] ^ data[i]) ? ({r[5:0], 1'b0} ^ GPOLY) : {r[5:0], 1'b0};
            bch_next = r;
        end
    endfunction

    // x^q mod g(x): the syndrome of a single bit error at codeword position q (0..6 parity, 7..62 data).
    function [6:0] bit_syndrome;
        input integer q;
        reg   [6:0] r;
        integer     i;
        begin
            r = 7'd1;
            for (i = 0; i < q; i = i + 1)
                r = r[6] ? ({r[5:0], 1'b0} ^ GPOLY) : {r[5:0], 1'b0};
            bit_syndrome = r;
        end
    endfunction

    // The TC randomizer octet after octet w (h(x) = x^8 + x^6 + x^4 + x^3 + x^2 + x + 1, MSB first).
    function [7:0] pn_next;
        input [7:0] w_in;
        reg   [7:0] w;
        integer     i;
        begin
            w = w_in;
            for (i = 0; i < 8; i = i + 1)
                w = {w[6:0], w[7] ^ w[6] ^ w[5] ^ w[4] ^ w[3] ^ w[1]};
            pn_next = w;
        end
    endfunction

    // ------------------------------------------------------------------ stage A: search and judge octets
    reg         in_cltu;      // 0: searching for the start sequence; 1: decoding codeblocks
    reg         held_ok;      // searching: one octet held in held
    reg  [7:0]  held;
    reg  [55:0] blk;          // decoding: the octets of the current codeblock so far, newest in the low byte
    reg  [2:0]  blk_n;        // decoding: octets in blk (0..7)
    reg  [6:0]  rem;          // decoding: BCH remainder of the octets in blk
    reg         cltu_empty;   // decoding: no codeblock of this CLTU accepted yet
    reg  [7:0]  pn;           // decoding, RANDOMIZED: the randomizer octet for the next information octet
    reg  [63:0] replay;       // a rejected codeblock, searched again octet by octet before any new input
    reg  [3:0]  rp_n;         // octets left in replay (0..8)
    reg         flush_req;    // a flush waits for the octets taken before it to be judged

    // ------------------------------------------------------------------ the judged slot between A and B
    reg         j_valid;
    reg         j_end;        // 1: the CLTU ended (j_how); 0: an accepted codeblock (j_info, j_first)
    reg  [1:0]  j_how;
    reg  [55:0] j_info;
    reg         j_first;

    // ------------------------------------------------------------------ stage B: hold one codeblock, output
    reg         pend_valid;   // the CLTU's latest accepted codeblock, held until the next block is judged
    reg  [55:0] pend;
    reg         pend_first;
    reg  [55:0] out_sr;       // octets on their way out, the current one in the top byte
    reg  [2:0]  out_n;        // octets left in out_sr (0..7)
    reg         out_last;     // out_sr holds the CLTU's last codeblock
    reg  [1:0]  out_how;

    assign m_data = out_sr[55:48];

    // Single-bit error syndromes: hit[q] when the syndrome is that of an error at position q.
    wire [6:0]  syndrome;
    wire [62:0] hit;
    genvar gq;
    generate
        for (gq = 0; gq < 63; gq = gq + 1) begin : g_syndrome
            localparam [6:0] SYN = bit_syndrome(gq);
            assign hit[gq] = syndrome == SYN;
        end
    endgenerate

    wire        from_replay = rp_n != 4'd0;
    wire [7:0]  octet       = from_replay ? replay[63:56] : s_data;
    wire        have        = from_replay || (s_valid && s_ready);
    wire [63:0] block       = {blk, octet};   // the whole codeblock when blk_n == 7
    assign      syndrome    = rem ^ (octet[7:1] ^ 7'h7F);
    wire        correctable = |hit;
    wire        is_tail     = block == TAIL;
    wire [55:0] fixed       = blk ^ hit[62:7];

    // RANDOMIZED: the 7 randomizer octets of one codeblock, and the octet after them.
    wire [7:0]  pn1 = pn_next(pn);
    wire [7:0]  pn2 = pn_next(pn1);
    wire [7:0]  pn3 = pn_next(pn2);
    wire [7:0]  pn4 = pn_next(pn3);
    wire [7:0]  pn5 = pn_next(pn4);
    wire [7:0]  pn6 = pn_next(pn5);
    wire [7:0]  pn7 = pn_next(pn6);
    wire [55:0] pn_mask = RANDOMIZED ? {pn, pn1, pn2, pn3, pn4, pn5, pn6} : 56'd0;

    // Stage B handshakes.
    wire        out_take = (out_n != 3'd0) && m_ready;
    wire        out_free = (out_n == 3'd0) || (out_n == 3'd1 && m_ready);
    wire        j_go     = j_valid && (!pend_valid || out_free);
    wire        load     = j_go && pend_valid;

    // Next state.
    reg         in_cltu_nx, held_ok_nx, cltu_empty_nx, flush_req_nx;
    reg  [7:0]  held_nx, pn_nx;
    reg  [55:0] blk_nx;
    reg  [2:0]  blk_n_nx;
    reg  [6:0]  rem_nx;
    reg  [63:0] replay_nx;
    reg  [3:0]  rp_n_nx;
    reg         j_valid_nx, j_end_nx, j_first_nx;
    reg  [1:0]  j_how_nx;
    reg  [55:0] j_info_nx;
    reg         pend_valid_nx, pend_first_nx;
    reg  [55:0] pend_nx, out_sr_nx;
    reg  [2:0]  out_n_nx;
    reg         out_last_nx, m_first_nx;
    reg  [1:0]  out_how_nx;
    reg         c_cltu, c_block, c_corrected, c_rejected, c_tail, c_skip;
    reg  [2:0]  c_dropped;     // octets a flush drops

    always @* begin
        in_cltu_nx    = in_cltu;
        held_ok_nx    = held_ok;
        held_nx       = held;
        blk_nx        = blk;
        blk_n_nx      = blk_n;
        rem_nx        = rem;
        cltu_empty_nx = cltu_empty;
        pn_nx         = pn;
        replay_nx     = replay;
        rp_n_nx       = rp_n;
        flush_req_nx  = flush_req || flush;
        j_valid_nx    = j_valid && !j_go;
        j_end_nx      = j_end;
        j_how_nx      = j_how;
        j_info_nx     = j_info;
        j_first_nx    = j_first;
        c_cltu        = 1'b0;
        c_block       = 1'b0;
        c_corrected   = 1'b0;
        c_rejected    = 1'b0;
        c_tail        = 1'b0;
        c_skip        = 1'b0;
        c_dropped     = 3'd0;

        if (from_replay) begin
            replay_nx = {replay[55:0], 8'h00};
            rp_n_nx   = rp_n - 1'b1;
        end

        if (have) begin
            if (!in_cltu) begin
                if (held_ok && {held, octet} == START) begin
                    in_cltu_nx    = 1'b1;
                    held_ok_nx    = 1'b0;
                    blk_n_nx      = 3'd0;
                    rem_nx        = 7'd0;
                    cltu_empty_nx = 1'b1;
                    pn_nx         = 8'hFF;
                end else begin
                    c_skip     = held_ok;
                    held_ok_nx = 1'b1;
                    held_nx    = octet;
                end
            end else if (blk_n != 3'd7) begin
                blk_nx   = {blk[47:0], octet};
                blk_n_nx = blk_n + 1'b1;
                rem_nx   = bch_next(rem, octet);
            end else begin
                // A whole codeblock: the j slot is free here (s_ready saw to it; a replay never completes one).
                j_valid_nx = 1'b1;
                blk_n_nx   = 3'd0;
                rem_nx     = 7'd0;
                if (is_tail || !(syndrome == 7'd0 || correctable)) begin
                    j_end_nx   = 1'b1;
                    j_how_nx   = is_tail ? END_TAIL : END_REJECTED;
                    in_cltu_nx = 1'b0;
                    held_ok_nx = 1'b0;
                    c_cltu     = 1'b1;
                    c_tail     = is_tail;
                    c_rejected = !is_tail;
                    if (!is_tail) begin  // search again from the rejected block's first octet
                        replay_nx = block;
                        rp_n_nx   = 4'd8;
                    end
                end else begin
                    j_end_nx      = 1'b0;
                    j_info_nx     = fixed ^ pn_mask;
                    j_first_nx    = cltu_empty;
                    cltu_empty_nx = 1'b0;
                    pn_nx         = pn7;
                    c_block       = 1'b1;
                    c_corrected   = syndrome != 7'd0;
                end
            end
        end else if (flush_req && !j_valid) begin
            // Nothing taken at this edge (s_ready is low while a flush waits): end the stream.
            flush_req_nx = flush;
            c_dropped    = in_cltu ? blk_n : {2'b00, held_ok};
            in_cltu_nx   = 1'b0;
            held_ok_nx   = 1'b0;
            blk_n_nx     = 3'd0;
            if (in_cltu) begin
                j_valid_nx = 1'b1;
                j_end_nx   = 1'b1;
                j_how_nx   = END_TRUNCATED;
                c_cltu     = 1'b1;
            end
        end
    end

    always @* begin
        pend_valid_nx = pend_valid;
        pend_nx       = pend;
        pend_first_nx = pend_first;
        out_sr_nx     = out_sr;
        out_n_nx      = out_n;
        out_last_nx   = out_last;
        out_how_nx    = out_how;
        m_first_nx    = m_first;
        if (out_take) begin
            out_sr_nx  = {out_sr[47:0], 8'h00};
            out_n_nx   = out_n - 1'b1;
            m_first_nx = 1'b0;
        end
        if (load) begin  // out is free: the held codeblock goes out, the CLTU's last one if it ended
            out_sr_nx   = pend;
            out_n_nx    = 3'd7;
            out_last_nx = j_end;
            out_how_nx  = j_end ? j_how : END_TAIL;  // m_end is 0 on every octet but a CLTU's last
            m_first_nx  = pend_first;
        end
        if (j_go) begin
            pend_valid_nx = !j_end;
            pend_nx       = j_info;
            pend_first_nx = j_first;
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            in_cltu             <= 1'b0;
            held_ok             <= 1'b0;
            blk_n               <= 3'd0;
            rp_n                <= 4'd0;
            flush_req           <= 1'b0;
            j_valid             <= 1'b0;
            pend_valid          <= 1'b0;
            out_n               <= 3'd0;
            s_ready             <= 1'b0;
            m_valid             <= 1'b0;
            m_first             <= 1'b0;
            m_last              <= 1'b0;
            m_end               <= END_TAIL;
            cltus               <= 32'd0;
            codeblocks          <= 32'd0;
            corrected_bits      <= 32'd0;
            rejected_codeblocks <= 32'd0;
            tails               <= 32'd0;
            skipped_bytes       <= 32'd0;
            buffered            <= 4'd0;
            idle                <= 1'b1;
        end else begin
            in_cltu             <= in_cltu_nx;
            held_ok             <= held_ok_nx;
            blk_n               <= blk_n_nx;
            rp_n                <= rp_n_nx;
            flush_req           <= flush_req_nx;
            j_valid             <= j_valid_nx;
            pend_valid          <= pend_valid_nx;
            out_n               <= out_n_nx;
            s_ready             <= rp_n_nx == 4'd0 && !flush_req_nx
                                   && !(j_valid_nx && in_cltu_nx && blk_n_nx == 3'd7);
            m_valid             <= out_n_nx != 3'd0;
            m_first             <= m_first_nx;
            m_last              <= out_n_nx == 3'd1 && out_last_nx;
            m_end               <= out_how_nx;
            cltus               <= cltus + {31'd0, c_cltu};
            codeblocks          <= codeblocks + {31'd0, c_block};
            corrected_bits      <= corrected_bits + {31'd0, c_corrected};
            rejected_codeblocks <= rejected_codeblocks + {31'd0, c_rejected};
            tails               <= tails + {31'd0, c_tail};
            skipped_bytes       <= skipped_bytes + {31'd0, c_skip} + {29'd0, c_dropped};
            buffered            <= in_cltu_nx ? {1'b0, blk_n_nx} : {3'd0, held_ok_nx};
            idle                <= rp_n_nx == 4'd0 && !j_valid_nx && out_n_nx == 3'd0 && !flush_req_nx;
        end
    end

    // Data registers: no reset needed (each is written before it is read).
    always @(posedge clk) begin
        held       <= held_nx;
        blk        <= blk_nx;
        rem        <= rem_nx;
        cltu_empty <= cltu_empty_nx;
        pn         <= pn_nx;
        replay     <= replay_nx;
        j_end      <= j_end_nx;
        j_how      <= j_how_nx;
        j_info     <= j_info_nx;
        j_first    <= j_first_nx;
        pend       <= pend_nx;
        pend_first <= pend_first_nx;
        out_sr     <= out_sr_nx;
        out_last   <= out_last_nx;
        out_how    <= out_how_nx;
    end

endmodule
