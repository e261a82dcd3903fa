package io.latscope.bpf;

import io.latscope.error.ConfigurationException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads where each global variable of a BPF ELF object lives (section, offset, size), so
 * {@code const volatile} configuration can be written into libbpf's copy of
 * {@code .rodata} before load. (libbpf 1.1's BTF DATASEC helpers are static inline, so
 * they are not in the bindings.)
 */
final class ElfSymbols {
    record Symbol(String section, long offset, long size) {
    }

    private ElfSymbols() {
    }

    static Map<String, Symbol> globals(byte[] elf, String objectName) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        if (elf.length < 64 || b.getInt(0) != 0x464c457f || b.get(4) != 2) {
            throw new ConfigurationException(objectName + " is not a 64-bit ELF object");
        }
        if (b.get(5) != 1) {
            b.order(ByteOrder.BIG_ENDIAN);
        }
        long shoff = b.getLong(0x28);
        int shentsize = Short.toUnsignedInt(b.getShort(0x3A));
        int shnum = Short.toUnsignedInt(b.getShort(0x3C));
        int shstrndx = Short.toUnsignedInt(b.getShort(0x3E));
        long[] offs = new long[shnum];
        long[] sizes = new long[shnum];
        int[] names = new int[shnum];
        int[] types = new int[shnum];
        int[] links = new int[shnum];
        for (int i = 0; i < shnum; i++) {
            int h = (int) (shoff + (long) i * shentsize);
            names[i] = b.getInt(h);
            types[i] = b.getInt(h + 4);
            offs[i] = b.getLong(h + 0x18);
            sizes[i] = b.getLong(h + 0x20);
            links[i] = b.getInt(h + 0x28);
        }
        String[] secNames = new String[shnum];
        for (int i = 0; i < shnum; i++) {
            secNames[i] = cstring(elf, offs[shstrndx] + names[i]);
        }
        Map<String, Symbol> out = new HashMap<>();
        for (int i = 0; i < shnum; i++) {
            if (types[i] != 2 /* SHT_SYMTAB */) {
                continue;
            }
            long strtab = offs[links[i]];
            for (long s = offs[i]; s + 24 <= offs[i] + sizes[i]; s += 24) {
                int nameOff = b.getInt((int) s);
                int info = b.get((int) s + 4) & 0xff;
                int shndx = Short.toUnsignedInt(b.getShort((int) s + 6));
                long value = b.getLong((int) s + 8);
                long size = b.getLong((int) s + 16);
                if ((info & 0xf) != 1 /* STT_OBJECT */ || shndx == 0 || shndx >= shnum) {
                    continue;
                }
                out.put(cstring(elf, strtab + nameOff), new Symbol(secNames[shndx], value, size));
            }
        }
        return out;
    }

    private static String cstring(byte[] elf, long off) {
        int start = (int) off;
        int end = start;
        while (end < elf.length && elf[end] != 0) {
            end++;
        }
        return new String(elf, start, end - start, StandardCharsets.US_ASCII);
    }
}
