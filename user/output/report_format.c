// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The table of the leak report's formatters (see report_format.h). */
#include <string.h>
#include "output/report_format.h"

report_formatter report__formatter(const char *name)
{
	static const struct {
		const char *name;
		report_formatter fn;
	} formats[] = {
		{ "text", report__write_text },
		{ "json", report__write_json },
	};

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(name, formats[i].name))
			return formats[i].fn;
	return NULL;
}
