// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of lib/json_put.h: a key set takes the value's reference; a NULL value or a set
 * that fails is -ENOMEM and releases the value; the first error is kept and later keys are
 * still set. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "lib/json_put.h"

static void test_put_takes_value(void **state)
{
	json_t *obj = json_object(), *v = json_integer(7);
	int err = 0;

	(void)state;
	json_incref(v); /* a reference of our own, to watch the count */
	json__put(obj, "n", v, &err);
	assert_int_equal(err, 0);
	assert_ptr_equal(json_object_get(obj, "n"), v);
	assert_int_equal(v->refcount, 2);
	json_decref(obj);
	assert_int_equal(v->refcount, 1);
	json_decref(v);
}

static void test_failure_releases_value(void **state)
{
	json_t *arr = json_array(), *v = json_string("x");
	int err = 0;

	(void)state;
	json_incref(v);
	json__put(arr, "k", v, &err); /* not an object: the set fails */
	assert_int_equal(err, -ENOMEM);
	assert_int_equal(v->refcount, 1);
	json_decref(v);
	json_decref(arr);
}

static void test_first_error_kept(void **state)
{
	json_t *obj = json_object();
	int err = 0;

	(void)state;
	json__put(obj, "a", NULL, &err);
	assert_int_equal(err, -ENOMEM);
	err = -EINVAL; /* an earlier failure of the caller's own */
	json__put(obj, "b", NULL, &err);
	assert_int_equal(err, -EINVAL);
	/* later keys are still set */
	json__put(obj, "c", json_true(), &err);
	assert_int_equal(err, -EINVAL);
	assert_true(json_is_true(json_object_get(obj, "c")));
	assert_null(json_object_get(obj, "a"));
	assert_int_equal(json_object_size(obj), 1);
	json_decref(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_takes_value),
		cmocka_unit_test(test_failure_releases_value),
		cmocka_unit_test(test_first_error_kept),
	};

	return cmocka_run_group_tests_name("json_put", tests, NULL, NULL);
}
