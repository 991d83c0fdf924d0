using System.Text.Json.Nodes;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Definitions.Snapshots;

/// <summary>
/// One snapshot being built: the base's elements, then each differential element found or made and merged.
/// Element order is the snapshot's (R4 §2.6.1.1): an element, its children, then its slices each with their children.
/// </summary>
internal sealed class SnapshotBuilder
{
    private readonly SnapshotGenerator _generator;
    private readonly List<JsonObject> _elements;
    private readonly HashSet<string> _inProgress;
    private readonly List<OutcomeIssue> _issues;
    private readonly HashSet<string> _newSlices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _sliceContext = new(StringComparer.Ordinal);
    // Each element as it was before the differential touched it: the base's, or the type's for expanded children.
    private readonly Dictionary<string, JsonObject> _pristine = new(StringComparer.Ordinal);
    private string _location = "StructureDefinition.differential";

    public SnapshotBuilder(SnapshotGenerator generator, JsonArray baseElements, HashSet<string> inProgress, List<OutcomeIssue> issues)
    {
        _generator = generator;
        _elements = baseElements.OfType<JsonObject>().Select(e => (JsonObject)e.DeepClone()).ToList();
        // Snapshots older than R4 may lack element ids: give them the ids R4 would (ElementIds.Synthesize).
        var sliceContext = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in _elements)
        {
            var synthesized = ElementIds.Synthesize((string)e["path"]!, (string?)e["sliceName"], sliceContext);
            e["id"] ??= synthesized;
            _pristine.TryAdd(Id(e), (JsonObject)e.DeepClone());
        }
        _inProgress = inProgress;
        _issues = issues;
    }

    public JsonArray ToJsonArray() => new([.. _elements]);

    public void Apply(JsonObject differential, int index)
    {
        _location = $"StructureDefinition.differential.element[{index}]";
        if ((string?)differential["path"] is not { Length: > 0 } path)
        {
            Error("required", "A differential element needs a path.");
            return;
        }
        var id = (string?)differential["id"] ?? ElementIds.Synthesize(path, (string?)differential["sliceName"], _sliceContext);
        var at = Ensure(id);
        if (at < 0) return;
        ElementMerger.Merge(_elements[at], differential, _newSlices.Contains(Id(_elements[at])), Error);
    }

    /// <summary>The index of the element with this id, made when it is a new slice or a child of a type not yet expanded; -1 after an error.</summary>
    private int Ensure(string id)
    {
        var found = Find(id);
        if (found >= 0) return found;
        var dot = ElementIds.LastSegmentStart(id);
        if (dot < 0)
        {
            Error("not-found", $"The element '{id}' is not in the base, whose root is '{Id(_elements[0])}'.");
            return -1;
        }
        var segment = id[(dot + 1)..];
        var colon = segment.IndexOf(':');
        if (colon >= 0) return MakeSlice(id, id[..dot], segment, colon);

        var parent = Ensure(id[..dot]);
        if (parent < 0) return -1;
        var parentId = Id(_elements[parent]);
        if (!HasChildren(parent) && !Expand(parent)) return -1;
        found = Find(parentId + "." + segment);
        if (found >= 0) return found;
        found = FindRenamedChoice(parent, segment);
        if (found >= 0) return found;
        Error("not-found", $"'{(string?)_elements[parent]["path"]}' has no element '{segment}' (element id '{id}').");
        return -1;
    }

    /// <summary>
    /// A new slice, after the sliced element's last slice, as the HL7 IG Publisher makes it: a copy of the sliced
    /// element as the base had it (what this differential says of the sliced element itself, such as FR Core
    /// Patient's profile on Patient.name, is not the slice's), without its slicing, followed by the sliced
    /// element's children as they stand (FR Core Patient: the binding it put on Patient.identifier.type holds in
    /// every identifier slice). A typed element whose children are not in the snapshot gets them from its type
    /// when the differential reaches them.
    /// </summary>
    private int MakeSlice(string id, string parentId, string segment, int colon)
    {
        var slash = segment.LastIndexOf('/');
        var slicedId = parentId + "." + (slash > colon ? segment[..slash] : segment[..colon]);
        var sliced = Ensure(slicedId);
        if (sliced < 0) return -1;
        slicedId = Id(_elements[sliced]);
        // Reaching the sliced element may have brought the slice with it (the slices of a type profile).
        var existing = Find(slicedId + id[(parentId.Length + 1 + (slash > colon ? slash : colon))..]);
        if (existing >= 0) return existing;
        var current = _elements[sliced];
        var path = (string)current["path"]!;
        if (current["slicing"] is null && (path.EndsWith(".extension", StringComparison.Ordinal) || path.EndsWith(".modifierExtension", StringComparison.Ordinal)))
        {
            // R4 extensibility.html: extensions are always sliced by url, whether the base says so or not.
            current["slicing"] = new JsonObject
            {
                ["discriminator"] = new JsonArray(new JsonObject { ["type"] = "value", ["path"] = "url" }),
                ["description"] = "Extensions are always sliced by (at least) url",
                ["rules"] = "open",
            };
        }
        if (current["slicing"] is null && (string?)current["sliceName"] is null && !slicedId.EndsWith("[x]", StringComparison.Ordinal))
            Error("invalid", $"'{slicedId}' is not sliced (no slicing in the base or before this slice), yet '{id}' slices it.", IssueSeverity.Warning);

        var source = _pristine.GetValueOrDefault(slicedId) ?? current;
        var slice = (JsonObject)source.DeepClone();
        slice.Remove("slicing");
        slice["id"] = id;
        slice["sliceName"] = segment[(colon + 1)..];
        var copies = new List<JsonObject> { slice };
        var end = sliced + 1;
        for (; end < _elements.Count && ElementIds.InFamily(Id(_elements[end]), slicedId); end++)
            if (ElementIds.IsDescendant(Id(_elements[end]), slicedId))
                copies.Add(Rebased(_elements[end], slicedId, id, null, null));
        Insert(end, copies);
        _newSlices.Add(id);
        return end;
    }

    /// <summary>Adds an element's children from its type (or its type's profile), or from the element its contentReference names.</summary>
    private bool Expand(int index)
    {
        var element = _elements[index];
        var id = Id(element);
        var path = (string)element["path"]!;
        if ((string?)element["contentReference"] is { } reference)
        {
            var targetId = reference[(reference.IndexOf('#') + 1)..];
            var target = Find(targetId);
            if (target < 0) return Fail($"'{id}' refers to '{reference}', which is not in the snapshot.");
            var targetPath = (string)_elements[target]["path"]!;
            var children = new List<JsonObject>();
            for (var i = target + 1; i < _elements.Count && ElementIds.InFamily(Id(_elements[i]), targetId); i++)
                if (ElementIds.IsDescendant(Id(_elements[i]), targetId) && (string?)_elements[i]["sliceName"] is null)
                    children.Add(Rebased(_elements[i], targetId, id, targetPath, path));
            Insert(index + 1, children);
            return true;
        }

        if (element["type"] is not JsonArray { Count: 1 } types || types[0] is not JsonObject type || (string?)type["code"] is not { } code)
            return Fail($"'{id}' has several types (or none): constrain it to one type before constraining its children.");
        var profiles = type["profile"] as JsonArray;
        var canonical = profiles is { Count: 1 } ? (string)profiles[0]! : DefinitionRegistry.CoreStructurePrefix + code;
        var snapshot = _generator.SnapshotOf(canonical, _inProgress, _issues, _location);
        if (snapshot is null || snapshot.Count == 0) return Fail($"The children of '{id}' come from '{canonical}', which has no snapshot.");
        var root = (JsonObject)snapshot[0]!;
        var rootId = Id(root);
        var rootPath = (string)root["path"]!;
        Insert(index + 1, snapshot.Skip(1).OfType<JsonObject>().Select(e => Rebased(e, rootId, id, rootPath, path)).ToList());
        return true;
    }

    /// <summary>
    /// A choice named for one of its types (<c>valueQuantity</c> for <c>value[x]</c>, R4 profiling.html#choice), as
    /// the R4 snapshots have it (bmi, bp): the choice element is narrowed to the types so named and sliced by type
    /// (closed), and the constraints go to the slice <c>value[x]:valueQuantity</c>, its children below it; but inside
    /// a slice the choice element is narrowed in place and takes the constraints itself (bp's
    /// Observation.component:SystolicBP.valueQuantity is Observation.component:SystolicBP.value[x]).
    /// </summary>
    private int FindRenamedChoice(int parent, string segment)
    {
        var parentId = Id(_elements[parent]);
        for (var i = parent + 1; i < _elements.Count && ElementIds.InFamily(Id(_elements[i]), parentId); i++)
        {
            var candidate = Id(_elements[i]);
            if (!candidate.EndsWith("[x]", StringComparison.Ordinal) || ElementIds.LastSegmentStart(candidate) != parentId.Length) continue;
            var name = candidate[(parentId.Length + 1)..^3];
            if (!segment.StartsWith(name, StringComparison.Ordinal) || segment.Length == name.Length) continue;
            var typeName = segment[name.Length..];
            var match = (_pristine.GetValueOrDefault(candidate) ?? _elements[i])["type"] is JsonArray types
                ? types.OfType<JsonObject>().FirstOrDefault(t => (string?)t["code"] is { Length: > 0 } c && TypeRef.Of(c).ChoiceSuffix == typeName)
                : null;
            if (match is null) continue;
            var sliceId = candidate + ":" + segment;
            var existing = Find(sliceId);
            if (existing >= 0) return existing;
            var choice = _elements[i];
            if (candidate.Contains(':'))
            {
                choice["type"] = new JsonArray(match.DeepClone());
                return i;
            }

            choice["slicing"] ??= new JsonObject
            {
                ["discriminator"] = new JsonArray(new JsonObject { ["type"] = "type", ["path"] = "$this" }),
                ["ordered"] = false,
                ["rules"] = "closed",
            };
            // The first type named replaces the choice's types; the next ones are added to it.
            if (_newSlices.Any(s => s.StartsWith(candidate + ":", StringComparison.Ordinal)) && choice["type"] is JsonArray named)
                named.Add(match.DeepClone());
            else
                choice["type"] = new JsonArray(match.DeepClone());
            var slice = MakeSlice(sliceId, parentId, candidate[(parentId.Length + 1)..] + ":" + segment, name.Length + 3);
            if (slice >= 0) _elements[slice]["type"] = new JsonArray(match.DeepClone());
            return slice;
        }
        return -1;
    }

    private bool HasChildren(int index)
    {
        var id = Id(_elements[index]);
        return index + 1 < _elements.Count && ElementIds.IsDescendant(Id(_elements[index + 1]), id);
    }

    private static JsonObject Rebased(JsonObject element, string fromId, string toId, string? fromPath, string? toPath)
    {
        var copy = (JsonObject)element.DeepClone();
        copy["id"] = toId + Id(element)[fromId.Length..];
        if (fromPath is not null && toPath is not null)
        {
            var path = (string)element["path"]!;
            copy["path"] = toPath + path[fromPath.Length..];
        }
        return copy;
    }

    private void Insert(int index, List<JsonObject> elements)
    {
        _elements.InsertRange(index, elements);
        foreach (var e in elements) _pristine.TryAdd(Id(e), (JsonObject)e.DeepClone());
    }

    private int Find(string id) => _elements.FindIndex(e => Id(e) == id);

    private static string Id(JsonObject element) => (string?)element["id"] ?? (string)element["path"]!;

    private bool Fail(string message)
    {
        Error("not-found", message);
        return false;
    }

    private void Error(string code, string message) => Error(code, message, IssueSeverity.Error);

    private void Error(string code, string message, IssueSeverity severity) => _issues.Add(new(severity, code, message, _location));
}
