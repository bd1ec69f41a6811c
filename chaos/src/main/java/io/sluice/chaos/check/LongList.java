package io.sluice.chaos.check;

import java.util.Arrays;

/** A growable array of primitive longs (a million boxed longs would cost the checker ten times the memory). */
final class LongList {
    private long[] items = new long[16];
    private int size;

    void add(long value) {
        if (size == items.length) {
            items = Arrays.copyOf(items, size * 2);
        }
        items[size++] = value;
    }

    long get(int index) {
        return items[index];
    }

    int size() {
        return size;
    }

    long[] toArray() {
        return Arrays.copyOf(items, size);
    }
}
