/* json-api.h: json-glib, loaded when the first JSON report is made.
 *
 * Linked like the other libraries, json-glib (bound at load, every symbol)
 * cost every process about 0.6M instructions of dynamic linking, a tenth
 * of a filter run that never writes JSON.  Only --json needs it, so it is
 * opened then, by its soname (BS_JSON_GLIB_SONAME, checked by meson).
 */
#pragma once

#include <json-glib/json-glib.h>

#define BS_JSON_API_ERROR (bs_json_api_error_quark ())
GQuark bs_json_api_error_quark (void);

/* The json-glib functions report.c calls, with their own types. */
typedef struct {
	__typeof__ (json_builder_new) *builder_new;
	__typeof__ (json_builder_begin_object) *builder_begin_object;
	__typeof__ (json_builder_end_object) *builder_end_object;
	__typeof__ (json_builder_begin_array) *builder_begin_array;
	__typeof__ (json_builder_end_array) *builder_end_array;
	__typeof__ (json_builder_set_member_name) *builder_set_member_name;
	__typeof__ (json_builder_add_string_value) *builder_add_string_value;
	__typeof__ (json_builder_add_null_value) *builder_add_null_value;
	__typeof__ (json_builder_add_boolean_value) *builder_add_boolean_value;
	__typeof__ (json_builder_add_double_value) *builder_add_double_value;
	__typeof__ (json_builder_add_int_value) *builder_add_int_value;
	__typeof__ (json_builder_get_root) *builder_get_root;
	__typeof__ (json_generator_new) *generator_new;
	__typeof__ (json_generator_set_root) *generator_set_root;
	__typeof__ (json_generator_to_data) *generator_to_data;
	__typeof__ (json_node_unref) *node_unref;
	/* The g_object_unref of json-glib's GObject, which is not ours when
	 * backscatter-check links GLib statically (-Dstatic_glib): its
	 * builders and generators are freed with it, never with ours. */
	__typeof__ (g_object_unref) *object_unref;
} BsJsonApi;

/* Loads json-glib once (later calls return the same table).
 * Returns: (nullable) the table, or NULL with error when json-glib cannot
 * be opened or lacks a function. */
const BsJsonApi *bs_json_api (GError **error);
