// asm_deframer: device-link deframer, attached sync marker 1ACFFC1D + one CCSDS space packet.
//
// Hardware twin of protocols.framing.asm.AsmDeframer: hunts for the marker, checks the 6-octet
// primary header, buffers the whole candidate packet and delivers it only once it is believed, so a
// rejected packet never shows on the output. Same rules as the Python model:
//   * header fault: version bits (first octet, bits 7..5) not 000            -> reject
//                   data_length + 7 > MAX_PACKET (oversize)                   -> reject
//     (judged once all 6 header octets are in, version first)
//   * body fault:   secondary header flag set, not an idle packet (APID 0x7FF), and the
//                   CRC-16/CCITT-FALSE over the whole packet (its last two octets included)
//                   is not zero                                               -> reject
//   * length check: a packet with no CRC to check (no secondary header, or idle), and a packet
//                   whose body holds the marker, is believed only when the 4 octets after it
//                   are the marker                                            -> else reject
//                   a packet with a good CRC whose last 1..3 octets are the start of the
//                   marker and whose next octets are the rest of it (cut short: the next
//                   marker completed its CRC)                                 -> reject
//     (the model's trust_read_end=False: a stream of single octets has no end of a read)
//   * on a reject, the first marker octet is skipped and the hunt resumes at the octet after it:
//     the buffered octets of the rejected candidate are scanned again (a real marker inside a
//     false candidate is found).
//   * hunting, an octet is skipped once three more octets follow it and the four are not the
//     marker; the last three octets seen are held (they may start a marker).
//
// Interface (all synchronous to the rising edge of clk; every output is a register):
//   clk                 in   clock
//   rst                 in   synchronous reset, active high: empties the buffer, zeroes the
//                            counters, s_ready <= 0, m_valid <= 0. Wins over everything: a byte
//                            handshaken on s_* at a reset edge is discarded; a byte handshaken on
//                            m_* at a reset edge has left (the packet it belongs to is cut short).
//   s_data[7:0]         in   stream byte (ignored while s_valid is low)
//   s_valid             in   s_data holds a byte; keep it and s_data steady until taken
//   s_ready             out  the block takes the byte at a rising edge where s_valid && s_ready.
//                            0 in reset, 1 from the first edge with rst low on; drops only while
//                            the buffer (2**ceil(log2(MAX_PACKET + 4)) bytes) is full.
//   m_data[7:0]         out  packet byte (meaningless while m_valid is low)
//   m_valid             out  m_data holds a byte of a believed packet; once high it stays high with
//                            m_data/m_first/m_last steady until taken (m_valid never waits for m_ready)
//   m_ready             in   the consumer takes the byte at a rising edge where m_valid && m_ready
//   m_first             out  with m_valid: this byte is the first of a packet (primary header octet 0)
//   m_last              out  with m_valid: this byte is the last of the packet (no marker is output)
//   good_packets[31:0]  out  packets delivered: counted when their last byte is taken on m_*
//   bad_packets[31:0]   out  candidates rejected: bad header (version, oversize), bad CRC, length not
//                            confirmed by the next marker, cut short
//   skipped_bytes[31:0] out  octets judged bad: hunted over, plus one marker octet per reject
//   buffered[31:0]      out  octets held and not yet judged (a waiting candidate, or the last <= 3
//                            octets of a hunt); counters wrap modulo 2**32
//   idle                out  every octet taken so far has been scanned and no packet is being
//                            output: the block waits for input (1 in reset)
// Counters and buffered change at the edge where the block decides (a scanned octet is skipped, a
// candidate is rejected, a packet's last byte is taken), a few clocks after the octets that decide it
// were taken. Whenever idle is high and m_valid low they equal the Python model's figures for the same
// octets (DeframerStats, before flush()): good_packets = packets, bad_packets = header_errors +
// oversize + crc_errors + length_errors + truncated, skipped_bytes = octets_skipped, buffered =
// AsmDeframer.buffered.
//
// Throughput: one octet per clock while hunting or checking a candidate, one per clock while
// delivering (a believed packet crosses the buffer's single read port twice). Input keeps flowing into
// the buffer while a packet is delivered or re-scanned; s_ready drops only when the buffer is full.
//
// Parameter: MAX_PACKET, the largest packet believed (7..65542 octets; AsmDeframer's max_packet_size).
// Verilog-2005, synthesizable; no `timescale (the build supplies it: 1ns/1ps in the tests).

module asm_deframer #(
    parameter integer MAX_PACKET = 1024
) (
    input  wire        clk,
    input  wire        rst,
    input  wire [7:0]  s_data,
    input  wire        s_valid,
    output reg         s_ready,
    output wire [7:0]  m_data,
    output reg         m_valid,
    input  wire        m_ready,
    output reg         m_first,
    output reg         m_last,
    output reg  [31:0] good_packets,
    output reg  [31:0] bad_packets,
    output reg  [31:0] skipped_bytes,
    output reg  [31:0] buffered,
    output reg         idle
);

    localparam [31:0] ASM  = 32'h1ACF_FC1D;
    localparam [15:0] POLY = 16'h1021;
    localparam [15:0] INIT = 16'hFFFF;
    localparam integer AW    = $clog2(MAX_PACKET + 8);  // buffer address bits: marker, packet, next marker
    localparam integer PW    = AW + 1;                  // pointer bits: one more, to tell full from empty
    localparam integer DEPTH = 1 << AW;
    localparam [16:0] MAX_SIZE = MAX_PACKET;

    localparam [2:0] S_HUNT = 3'd0;  // looking for the marker
    localparam [2:0] S_HEAD = 3'd1;  // taking the 6 primary header octets
    localparam [2:0] S_BODY = 3'd2;  // taking the rest of the packet
    localparam [2:0] S_EMIT = 3'd3;  // delivering a believed packet from the buffer
    localparam [2:0] S_NEXT = 3'd4;  // comparing the octets after the packet with (the rest of) the marker

    generate
        if (MAX_PACKET < 7 || MAX_PACKET > 65542) begin : g_bad_parameter
            asm_deframer_MAX_PACKET_must_be_7_to_65542 invalid_parameter ();
        end
    endgenerate

    // CRC register after shifting in one byte, most significant bit first.
    function [15:0] crc16_next;
        input [15:0] crc_in;
        input [7:0]  data;
        reg   [15:0] c;
        integer      i;
        begin
            c = crc_in ^ {data, 8'h00};
            for (i = 0; i < 8; i = i + 1)
                c = c[15] ? ({c[14:0], 1'b0} ^ POLY) : {c[14:0], 1'b0};
            crc16_next = c;
        end
    endfunction

    // Circular buffer. Pointers count octets modulo 2**PW; the address is their low AW bits.
    //   base .. rd-1 : octets under judgement (the candidate from its marker on, or the held hunt octets)
    //   rd           : the next octet to scan or deliver; q holds mem[rd] when q_ok
    //   rd .. wr-1   : octets taken and not scanned yet
    reg [7:0]    mem [0:DEPTH-1];
    reg [PW-1:0] wr, base, rd;
    reg [7:0]    q;
    reg          q_ok;

    reg [2:0]    state;
    reg [1:0]    held;      // S_HUNT: octets held in win (base == rd - held)
    reg [23:0]   win;       // S_HUNT: the last octets scanned, newest in the low byte
    reg [16:0]   count;     // S_HEAD/S_BODY: packet octets scanned
    reg [16:0]   size;      // S_BODY: packet size from the header
    reg [15:0]   crc;       // S_HEAD/S_BODY: CRC of the packet octets scanned
    reg [7:0]    head0, head1, head4;  // primary header octets 0, 1 and 4
    reg [23:0]   pwin;      // S_HEAD/S_BODY: the last packet octets scanned, newest in the low byte
    reg          has_asm;   // S_HEAD/S_BODY: the packet octets scanned hold the marker
    reg [1:0]    nidx;      // S_NEXT: the marker octet to compare next
    reg          wants_asm; // S_NEXT: the marker confirms the packet (else: the marker says it was cut short)
    reg [PW-1:0] last;      // S_EMIT: pointer of the packet's last octet

    // Next state, decided from the registers, q and the handshakes.
    reg [2:0]    state_nx;
    reg [PW-1:0] rd_nx, base_nx, last_nx;
    reg [1:0]    held_nx;
    reg [23:0]   win_nx;
    reg [16:0]   count_nx, size_nx;
    reg [15:0]   crc_nx;
    reg [7:0]    head0_nx, head1_nx, head4_nx;
    reg [23:0]   pwin_nx;
    reg          has_asm_nx, wants_asm_nx;
    reg [1:0]    nidx_nx;
    reg          first_nx, good, bad, skip, reject, emit;

    wire          take      = s_valid && s_ready;
    wire [PW-1:0] wr_nx     = wr + {{(PW - 1){1'b0}}, take};
    wire [PW-1:0] fill_nx   = wr_nx - base_nx;
    wire [15:0]   crc_q     = crc16_next(crc, q);
    wire [16:0]   count_inc = count + 17'd1;
    wire [16:0]   size_q    = {1'b0, head4, q} + 17'd7;  // q is header octet 5 when count == 5
    wire          needs_crc = head0[3] && !(head0[2:0] == 3'b111 && head1 == 8'hFF);
    wire [31:0]   size_q32  = {15'd0, size_q};
    wire [PW-1:0] size_ptr  = size_q32[PW-1:0];          // believed sizes are < DEPTH
    wire          has_asm_q = has_asm || {pwin, q} == ASM;  // the marker ends at q, inside the packet
    wire [7:0]    asm_byte  = ASM[8 * (3 - nidx) +: 8];     // S_NEXT: the marker octet q must equal

    always @* begin
        state_nx = state;
        rd_nx    = rd;
        base_nx  = base;
        last_nx  = last;
        held_nx  = held;
        win_nx   = win;
        count_nx = count;
        size_nx  = size;
        crc_nx   = crc;
        head0_nx = head0;
        head1_nx = head1;
        head4_nx = head4;
        pwin_nx  = pwin;
        has_asm_nx  = has_asm;
        wants_asm_nx = wants_asm;
        nidx_nx  = nidx;
        first_nx = m_first;
        good     = 1'b0;
        bad      = 1'b0;
        skip     = 1'b0;
        reject   = 1'b0;
        emit     = 1'b0;
        case (state)
            S_HUNT: if (q_ok) begin
                rd_nx  = rd + 1'b1;
                win_nx = {win[15:0], q};
                if (held != 2'd3) begin
                    held_nx = held + 1'b1;
                end else if ({win, q} == ASM) begin
                    state_nx = S_HEAD;  // base is the marker's first octet
                    count_nx = 17'd0;
                    crc_nx   = INIT;
                    pwin_nx  = 24'd0;
                    has_asm_nx = 1'b0;
                end else begin
                    base_nx = base + 1'b1;  // the oldest held octet cannot start a marker
                    skip    = 1'b1;
                end
            end
            S_HEAD: if (q_ok) begin
                rd_nx    = rd + 1'b1;
                count_nx = count_inc;
                crc_nx   = crc_q;
                pwin_nx  = {pwin[15:0], q};
                has_asm_nx = has_asm_q;
                case (count[2:0])
                    3'd0: head0_nx = q;
                    3'd1: head1_nx = q;
                    3'd4: head4_nx = q;
                    3'd5: begin
                        if (head0[7:5] != 3'b000 || size_q > MAX_SIZE) begin
                            reject = 1'b1;
                        end else begin
                            state_nx = S_BODY;
                            size_nx  = size_q;
                            last_nx  = base + 3'd3 + size_ptr;
                        end
                    end
                    default: ;
                endcase
            end
            S_BODY: if (q_ok) begin
                rd_nx    = rd + 1'b1;
                count_nx = count_inc;
                crc_nx   = crc_q;
                pwin_nx  = {pwin[15:0], q};
                has_asm_nx = has_asm_q;
                if (count_inc == size) begin
                    state_nx   = S_NEXT;
                    wants_asm_nx = 1'b1;
                    nidx_nx    = 2'd0;
                    if (needs_crc && crc_q != 16'h0000) begin
                        reject = 1'b1;
                    end else if (needs_crc && !has_asm_q) begin
                        wants_asm_nx = 1'b0;  // the rest of a marker begun by the packet's last octets: cut short
                        if (q == ASM[31:24])
                            nidx_nx = 2'd1;
                        else if ({pwin[7:0], q} == ASM[31:16])
                            nidx_nx = 2'd2;
                        else if ({pwin[15:0], q} == ASM[31:8])
                            nidx_nx = 2'd3;
                        else
                            emit = 1'b1;
                    end
                end
            end
            S_NEXT: if (q_ok) begin
                rd_nx = rd + 1'b1;
                if (q != asm_byte) begin
                    if (wants_asm) reject = 1'b1; else emit = 1'b1;
                end else if (nidx == 2'd3) begin
                    if (wants_asm) emit = 1'b1; else reject = 1'b1;
                end else begin
                    nidx_nx = nidx + 1'b1;
                end
            end
            default: if (m_ready) begin  // S_EMIT: m_valid is high throughout
                rd_nx    = rd + 1'b1;
                first_nx = 1'b0;
                if (rd == last) begin
                    state_nx = S_HUNT;
                    base_nx  = rd + 1'b1;
                    held_nx  = 2'd0;
                    good     = 1'b1;
                end
            end
        endcase
        if (emit) begin  // deliver the packet from the buffer
            state_nx = S_EMIT;
            rd_nx    = base + 3'd4;  // the packet's first octet, after the marker
            first_nx = 1'b1;
        end
        if (reject) begin  // skip the marker's first octet, hunt again from the octet after it
            state_nx = S_HUNT;
            base_nx  = base + 1'b1;
            rd_nx    = base + 1'b1;
            held_nx  = 2'd0;
            bad      = 1'b1;
            skip     = 1'b1;
        end
    end

    // Buffer: one write port (input), one registered read port (scan and delivery share it).
    always @(posedge clk) begin
        if (take)
            mem[wr[AW-1:0]] <= s_data;
        q <= mem[rd_nx[AW-1:0]];
    end

    assign m_data = q;

    always @(posedge clk) begin
        if (rst) begin
            wr            <= {PW{1'b0}};
            base          <= {PW{1'b0}};
            rd            <= {PW{1'b0}};
            q_ok          <= 1'b0;
            state         <= S_HUNT;
            held          <= 2'd0;
            s_ready       <= 1'b0;
            m_valid       <= 1'b0;
            m_first       <= 1'b0;
            m_last        <= 1'b0;
            good_packets  <= 32'd0;
            bad_packets   <= 32'd0;
            skipped_bytes <= 32'd0;
            buffered      <= 32'd0;
            idle          <= 1'b1;
        end else begin
            wr            <= wr_nx;
            base          <= base_nx;
            rd            <= rd_nx;
            q_ok          <= rd_nx != wr;  // the octet at rd_nx was written before this edge
            state         <= state_nx;
            held          <= held_nx;
            s_ready       <= !fill_nx[PW-1];  // fill_nx < DEPTH
            m_valid       <= state_nx == S_EMIT;
            m_first       <= first_nx;
            m_last        <= state_nx == S_EMIT && rd_nx == last_nx;
            good_packets  <= good_packets + {31'd0, good};
            bad_packets   <= bad_packets + {31'd0, bad};
            skipped_bytes <= skipped_bytes + {31'd0, skip};
            buffered      <= {{(32 - PW){1'b0}}, fill_nx};
            idle          <= state_nx != S_EMIT && rd_nx == wr_nx;
        end
    end

    // Scan registers: no reset needed (each state sets them up before it reads them).
    always @(posedge clk) begin
        win   <= win_nx;
        count <= count_nx;
        size  <= size_nx;
        crc   <= crc_nx;
        head0 <= head0_nx;
        head1 <= head1_nx;
        head4 <= head4_nx;
        pwin  <= pwin_nx;
        has_asm  <= has_asm_nx;
        wants_asm <= wants_asm_nx;
        nidx  <= nidx_nx;
        last  <= last_nx;
    end

endmodule
