/* ASM framing: the sender writes marker + packet; the receiver hunts the marker and trusts a packet by its CRC. */
#include "link.h"

#include "crc16.h"
#include "uart.h"

static const uint8_t marker[4] = {0x1Au, 0xCFu, 0xFCu, 0x1Du};

#define HEADER_END 10u /* marker and primary header */

void link_send(unsigned port, const uint8_t *packet, uint32_t len)
{
    uart_write(port, marker, sizeof marker);
    uart_write(port, packet, len);
}

/* Drops the candidate's first octet and everything up to the next possible marker start. */
static void resync(deframer_t *d)
{
    uint32_t from = 1u;
    while (from < d->len && d->buf[from] != marker[0]) {
        from++;
    }
    d->stats.skipped += from;
    for (uint32_t i = from; i < d->len; i++) {
        d->buf[i - from] = d->buf[i];
    }
    d->len -= from;
}

/* 0: wait for more octets; 1: a packet was delivered or the candidate rejected (look again). */
static int judge(deframer_t *d, packet_handler_t on_packet)
{
    for (uint32_t i = 0; i < d->len && i < sizeof marker; i++) {
        if (d->buf[i] != marker[i]) {
            resync(d);
            return 1;
        }
    }
    if (d->len < HEADER_END) {
        return 0;
    }
    const uint8_t *head = &d->buf[4];
    uint32_t size = (((uint32_t)head[4] << 8) | head[5]) + 7u;
    uint16_t apid = (uint16_t)(((head[0] & 0x07u) << 8) | head[1]);
    if ((head[0] & 0xE0u) != 0u || (head[0] & 0x08u) == 0u || apid == 0x7FFu) {
        d->stats.bad_header++;
        resync(d);
        return 1;
    }
    if (size > LINK_MAX_PACKET) {
        d->stats.oversize++;
        resync(d);
        return 1;
    }
    if (d->len < 4u + size) {
        return 0;
    }
    if (crc16(head, size, CRC16_INIT) != 0u) {
        d->stats.bad_crc++;
        resync(d);
        return 1;
    }
    d->stats.packets++;
    on_packet(head, size);
    d->len = 0u;
    return 1;
}

void deframer_feed(deframer_t *d, uint8_t byte, packet_handler_t on_packet)
{
    d->buf[d->len++] = byte;
    while (d->len > 0u && judge(d, on_packet)) {
    }
}
