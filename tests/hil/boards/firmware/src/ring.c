/* Byte ring buffer with free-running indices (no lock needed for one producer and one consumer). */
#include "ring.h"

void ring_init(ring_t *ring, uint8_t *storage, uint32_t capacity)
{
    ring->data = storage;
    ring->mask = capacity - 1u;
    ring->head = 0;
    ring->tail = 0;
}

uint32_t ring_used(const ring_t *ring) { return ring->head - ring->tail; }

uint32_t ring_free(const ring_t *ring) { return ring->mask + 1u - ring_used(ring); }

bool ring_put(ring_t *ring, uint8_t byte)
{
    if (ring_free(ring) == 0u) {
        return false;
    }
    ring->data[ring->head & ring->mask] = byte;
    __asm__ volatile("" ::: "memory"); /* the byte is stored before the index says so */
    ring->head = ring->head + 1u;
    return true;
}

bool ring_get(ring_t *ring, uint8_t *byte)
{
    if (ring_used(ring) == 0u) {
        return false;
    }
    *byte = ring->data[ring->tail & ring->mask];
    __asm__ volatile("" ::: "memory");
    ring->tail = ring->tail + 1u;
    return true;
}
