/* The device link's framing, as farside's (protocols/framing/asm.py): marker 1ACFFC1D, then one PUS packet. */
#ifndef FSW_LINK_H
#define FSW_LINK_H

#include <stdint.h>

#define LINK_MAX_PACKET 1024u

typedef void (*packet_handler_t)(const uint8_t *packet, uint32_t len);

typedef struct {
    uint32_t packets;     /* delivered: header sane, CRC good */
    uint32_t bad_header;  /* version, no secondary header (no CRC) or idle APID */
    uint32_t oversize;    /* longer than LINK_MAX_PACKET */
    uint32_t bad_crc;
    uint32_t skipped;     /* octets dropped while hunting for a marker */
} link_stats_t;

typedef struct {
    uint8_t buf[4u + LINK_MAX_PACKET]; /* a candidate frame from its marker on */
    uint32_t len;
    link_stats_t stats;
} deframer_t;

void deframer_feed(deframer_t *deframer, uint8_t byte, packet_handler_t on_packet);
void link_send(unsigned port, const uint8_t *packet, uint32_t len);

#endif
