/* json-api.c: open json-glib on first use; see json-api.h. */
#include <gmodule.h>

#include "build-config.h"
#include "json-api.h"

G_DEFINE_QUARK (bs-json-api-error-quark, bs_json_api_error)

static gboolean
find (GModule *module, const char *name, gpointer *where, GError **error)
{
	if (g_module_symbol (module, name, where) && *where != NULL)
		return TRUE;
	g_set_error (error, BS_JSON_API_ERROR, 0, "%s has no %s",
	    BS_JSON_GLIB_SONAME, name);
	return FALSE;
}

#define FIND(field, symbol) \
	find (module, #symbol, (gpointer *) &api.field, error)

static BsJsonApi api;

/* Under bs_json_api's lock. */
static gboolean
open_api (GError **error)
{
	GModule *module;

	module = g_module_open (BS_JSON_GLIB_SONAME, G_MODULE_BIND_LAZY
	    | G_MODULE_BIND_LOCAL);
	if (module == NULL) {
		g_set_error (error, BS_JSON_API_ERROR, 0, "cannot load %s: %s",
		    BS_JSON_GLIB_SONAME, g_module_error ());
		return FALSE;
	}
	if (!FIND (builder_new, json_builder_new)
	    || !FIND (builder_begin_object, json_builder_begin_object)
	    || !FIND (builder_end_object, json_builder_end_object)
	    || !FIND (builder_begin_array, json_builder_begin_array)
	    || !FIND (builder_end_array, json_builder_end_array)
	    || !FIND (builder_set_member_name, json_builder_set_member_name)
	    || !FIND (builder_add_string_value, json_builder_add_string_value)
	    || !FIND (builder_add_null_value, json_builder_add_null_value)
	    || !FIND (builder_add_boolean_value,
	    json_builder_add_boolean_value)
	    || !FIND (builder_add_double_value, json_builder_add_double_value)
	    || !FIND (builder_add_int_value, json_builder_add_int_value)
	    || !FIND (builder_get_root, json_builder_get_root)
	    || !FIND (generator_new, json_generator_new)
	    || !FIND (generator_set_root, json_generator_set_root)
	    || !FIND (generator_to_data, json_generator_to_data)
	    || !FIND (node_unref, json_node_unref)
	    || !FIND (object_unref, g_object_unref)) {
		g_module_close (module);
		return FALSE;
	}
	/* The table points into it for the rest of the process. */
	g_module_make_resident (module);
	return TRUE;
}

const BsJsonApi *
bs_json_api (GError **error)
{
	static GMutex lock;
	static gint loaded;
	gboolean ok = TRUE;

	if (g_atomic_int_get (&loaded))
		return &api;
	g_mutex_lock (&lock);
	if (!loaded) {
		ok = open_api (error);
		if (ok)
			g_atomic_int_set (&loaded, TRUE);
	}
	g_mutex_unlock (&lock);
	return ok ? &api : NULL;
}
