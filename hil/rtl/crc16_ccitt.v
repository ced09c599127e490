// crc16_ccitt: CRC-16/CCITT-FALSE over a byte stream, one byte per clock.
//
// CRC parameters: poly 0x1021, init 0xFFFF, no input/output reflection, no final XOR
// (the packet error control of PUS packets and the FECF of TM/TC transfer frames;
// Python reference: protocols.crc.crc16). Check value: "123456789" -> 0x29B1.
//
// Interface (all synchronous to the rising edge of clk):
//   clk              in   clock
//   rst              in   synchronous reset, active high: crc <= 16'hFFFF, byte_count <= 0,
//                         s_ready <= 0. Reset wins over everything, including a byte that
//                         completes its handshake at the same edge (that byte is discarded).
//   clear            in   restart the CRC: crc <= 16'hFFFF, byte_count <= 0. A byte taken at
//                         the same edge as clear is the first byte of the new CRC.
//   s_data[7:0]      in   stream byte (ignored while s_valid is low)
//   s_valid          in   s_data holds a byte; keep it and s_data steady until taken
//   s_ready          out  the block takes the byte at a rising edge where s_valid && s_ready.
//                         Registered: 0 in reset, 1 from the first edge with rst low on (so the
//                         earliest byte is taken at the second edge after reset), and it never
//                         drops otherwise (no back-pressure).
//   crc[15:0]        out  registered CRC of all bytes accepted since the last clear/reset
//                         (16'hFFFF when none)
//   crc_ok           out  crc == 16'h0000: the bytes so far end with their own CRC
//                         (most significant byte first, as on the wire)
//   byte_count[31:0] out  registered number of bytes accepted since the last clear/reset
//                         (wraps modulo 2**32)
//
// Verilog-2005, synthesizable; no `timescale (the build supplies it: 1ns/1ps in the tests).

module crc16_ccitt (
    input  wire        clk,
    input  wire        rst,
    input  wire        clear,
    input  wire [7:0]  s_data,
    input  wire        s_valid,
    output reg         s_ready,
    output reg  [15:0] crc,
    output wire        crc_ok,
    output reg  [31:0] byte_count
);

    localparam [15:0] POLY = 16'h1021;
    localparam [15:0] INIT = 16'hFFFF;

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

    wire        take       = s_valid && s_ready;
    wire [15:0] crc_base   = clear ? INIT : crc;
    wire [31:0] count_base = clear ? 32'd0 : byte_count;

    always @(posedge clk) begin
        if (rst) begin
            s_ready    <= 1'b0;
            crc        <= INIT;
            byte_count <= 32'd0;
        end else begin
            s_ready <= 1'b1;
            if (take) begin
                crc        <= crc16_next(crc_base, s_data);
                byte_count <= count_base + 32'd1;
            end else begin
                crc        <= crc_base;
                byte_count <= count_base;
            end
        end
    end

    assign crc_ok = (crc == 16'h0000);

endmodule
