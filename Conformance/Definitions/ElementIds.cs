namespace FhirServer.Conformance.Definitions;

/// <summary>
/// ElementDefinition.id helpers (R4 elementdefinition.html#id): segments joined by '.', a slice as <c>name:slice</c>,
/// a re-slice as <c>name:slice/reslice</c>.
/// </summary>
internal static class ElementIds
{
    // Element ids separate segments by '.', but a slice name may itself hold a '.', so split only outside slice names.
    public static int LastSegmentStart(string id)
    {
        var inSlice = false;
        var last = -1;
        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            if (c == ':') inSlice = true;
            else if (c == '.' && inSlice)
            {
                // A '.' right after a slice name ends it when what follows is an element name (lower-case or [x]).
                if (i + 1 < id.Length && (char.IsLower(id[i + 1]) || id[i + 1] == '_')) { inSlice = false; last = i; }
            }
            else if (c == '.') last = i;
        }
        return last;
    }

    /// <summary>The path an id stands for: its slice names taken out (<c>Patient.identifier:ins.system</c> → <c>Patient.identifier.system</c>).</summary>
    public static string PathOf(string id)
    {
        var path = new System.Text.StringBuilder(id.Length);
        var inSlice = false;
        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            if (c == ':') inSlice = true;
            else if (!inSlice) path.Append(c);
            else if (c == '.' && i + 1 < id.Length && (char.IsLower(id[i + 1]) || id[i + 1] == '_'))
            {
                inSlice = false;
                path.Append(c);
            }
        }
        return path.ToString();
    }

    public static string Synthesize(string path, string? sliceName, Dictionary<string, string> sliceContext)
    {
        // Map the longest path prefix that lies inside a slice to that slice's id.
        var id = path;
        var dot = path.Length;
        while (dot > 0)
        {
            var prefix = path[..dot];
            if (sliceContext.TryGetValue(prefix, out var sliced))
            {
                id = sliced + path[dot..];
                break;
            }
            dot = prefix.LastIndexOf('.');
        }
        // Entering a new element at this path ends any slice context below it.
        foreach (var k in sliceContext.Keys.Where(k => k == path || k.StartsWith(path + ".", StringComparison.Ordinal)).ToList())
            sliceContext.Remove(k);
        if (sliceName is not null)
        {
            id += ":" + sliceName;
            sliceContext[path] = id;
        }
        return id;
    }

    /// <summary>Whether <paramref name="id"/> is <paramref name="root"/>, one of its descendants or one of its slices (and theirs).</summary>
    public static bool InFamily(string id, string root) =>
        id.Length == root.Length ? id == root :
        id.Length > root.Length && id.StartsWith(root, StringComparison.Ordinal) && id[root.Length] is '.' or ':' or '/';

    /// <summary>Whether <paramref name="id"/> lies below <paramref name="root"/> (children and theirs, not slices of the root).</summary>
    public static bool IsDescendant(string id, string root) =>
        id.Length > root.Length + 1 && id[root.Length] == '.' && id.StartsWith(root, StringComparison.Ordinal);
}
