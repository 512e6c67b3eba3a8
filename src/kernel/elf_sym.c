// SPDX-License-Identifier: GPL-2.0
/* File offsets of functions in an ELF shared object, for uprobes. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <string.h>
#include <unistd.h>

#include "kernel/elf_sym.h"

/* "malloc" matches "malloc" and versioned "malloc@@GLIBC_2.2.5". */
static int name_index(const char *sym, const char *const names[], size_t n)
{
	size_t len = strcspn(sym, "@");

	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) == len && !strncmp(sym, names[i], len))
			return (int)i;
	return -1;
}

/* Offset in the file of @value, an address inside section @sec. */
static size_t file_offset(Elf *elf, size_t sec, GElf_Addr value)
{
	Elf_Scn *scn = elf_getscn(elf, sec);
	GElf_Shdr sh;

	if (!scn || !gelf_getshdr(scn, &sh))
		return 0;
	return (size_t)(value - sh.sh_addr + sh.sh_offset);
}

static void scan_symbols(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, const char *const names[],
			 size_t n, size_t offsets[])
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t count = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;

	for (size_t i = 0; data && i < count; i++) {
		GElf_Sym sym;
		const char *name;
		int type, idx;

		if (!gelf_getsym(data, (int)i, &sym) || !sym.st_value || sym.st_shndx == SHN_UNDEF)
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if (type != STT_FUNC && type != STT_GNU_IFUNC)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		idx = name ? name_index(name, names, n) : -1;
		if (idx >= 0 && !offsets[idx])
			offsets[idx] = file_offset(elf, sym.st_shndx, sym.st_value);
	}
}

int elf_func_offsets(const char *path, const char *const names[], size_t n, size_t offsets[])
{
	Elf_Scn *scn = NULL;
	Elf *elf;
	int fd, pass;

	memset(offsets, 0, n * sizeof(*offsets));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		close(fd);
		return -EINVAL;
	}
	for (pass = 0; pass < 2; pass++) {
		Elf32_Word want = pass == 0 ? SHT_DYNSYM : SHT_SYMTAB;

		scn = NULL;
		while ((scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;

			if (gelf_getshdr(scn, &sh) && sh.sh_type == want)
				scan_symbols(elf, scn, &sh, names, n, offsets);
		}
	}
	elf_end(elf);
	close(fd);
	return 0;
}
