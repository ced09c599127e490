/* PUS-C: TC = primary header, secondary header (version 2, ack flags, service, subtype, source), data, CRC. */
#include "pus.h"

#include "crc16.h"

#define ACK_ALL 0x0Fu /* acceptance, start, progress, completion */
#define PUS_VERSION 2u

uint32_t be_read(const uint8_t *data, uint32_t size)
{
    uint32_t value = 0u;
    for (uint32_t i = 0; i < size; i++) {
        value = (value << 8) | data[i];
    }
    return value;
}

static void be_write16(uint8_t *out, uint32_t value)
{
    out[0] = (uint8_t)(value >> 8);
    out[1] = (uint8_t)value;
}

uint32_t pus_build_tc(uint8_t *out, uint16_t apid, uint16_t seq_count, uint8_t service, uint8_t subtype,
                      uint16_t source_id, const uint8_t *app_data, uint32_t app_len)
{
    uint32_t total = PUS_TC_OVERHEAD + app_len;
    out[0] = (uint8_t)(0x10u | 0x08u | ((apid >> 8) & 0x07u)); /* version 0, TC, secondary header */
    out[1] = (uint8_t)apid;
    be_write16(&out[2], 0xC000u | (seq_count & 0x3FFFu)); /* unsegmented */
    be_write16(&out[4], total - 7u);
    out[6] = (uint8_t)((PUS_VERSION << 4) | ACK_ALL);
    out[7] = service;
    out[8] = subtype;
    be_write16(&out[9], source_id);
    for (uint32_t i = 0; i < app_len; i++) {
        out[11u + i] = app_data[i];
    }
    be_write16(&out[total - 2u], crc16(out, total - 2u, CRC16_INIT));
    return total;
}

tm_error_t pus_parse_tm(const uint8_t *packet, uint32_t len, tm_t *tm)
{
    if (len < PUS_TM_HEADERS + 2u) {
        return TM_TOO_SHORT;
    }
    if ((packet[0] & 0x18u) != 0x08u) { /* type TM, with a secondary header */
        return TM_NOT_TM;
    }
    if (be_read(&packet[4], 2u) + 7u != len) {
        return TM_BAD_LENGTH;
    }
    if ((packet[6] >> 4) != PUS_VERSION) {
        return TM_BAD_VERSION;
    }
    tm->apid = (uint16_t)be_read(&packet[0], 2u) & 0x7FFu;
    tm->seq_count = (uint16_t)be_read(&packet[2], 2u) & 0x3FFFu;
    tm->service = packet[7];
    tm->subtype = packet[8];
    tm->msg_counter = (uint16_t)be_read(&packet[9], 2u);
    tm->destination = (uint16_t)be_read(&packet[11], 2u);
    tm->time_coarse = be_read(&packet[13], 4u);
    tm->time_fine = (uint16_t)be_read(&packet[17], 2u);
    tm->app_data = &packet[PUS_TM_HEADERS];
    tm->app_len = len - PUS_TM_HEADERS - 2u;
    return TM_OK;
}
