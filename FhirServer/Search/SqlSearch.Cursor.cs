using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FhirServer.Conformance.Serialization;
using FhirServer.Http;
using FhirServer.Storage;

namespace FhirServer.Search;

public sealed partial class SqlSearch
{
    /// <summary>Parameters that shape a page but not which resources match or their order: a cursor stays valid across them.</summary>
    private static readonly HashSet<string> PageShape =
        ["_count", "_sort", "_total", "_include", "_revinclude", "_summary", "_elements", "_format", "_pretty", "_contained", "_containedType"];

    /// <summary>
    /// What a cursor is bound to: a short hash of the search's type, compartment, filters and sort keys. A cursor of
    /// another search (or edited to look like one) then fails its check instead of positioning this one somewhere.
    /// </summary>
    private static string CursorBinding(SearchQuery query, CompartmentSpec? compartment)
    {
        var filters = query.SelfQuery.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !PageShape.Contains(Uri.UnescapeDataString(p.Split('=', 2)[0]).Split(':', 2)[0]));
        var text = string.Join("\n", [
            query.Type,
            compartment is null ? "" : $"{compartment.OwnerType}/{compartment.OwnerId}",
            string.Join(",", query.Sort.Select(k => (k.Descending ? "-" : "") + k.Code)),
            .. filters,
        ]);
        return Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 9));
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    /// <summary>
    /// The paging cursor: direction, the search it belongs to (<see cref="CursorBinding"/>), the sort keys and id of the
    /// row to continue from, as base64url JSON. It comes back from the client, so it is checked as any input is: its
    /// shape, each key of the kind the sort key has, an id that is an id, and its search.
    /// </summary>
    private sealed record Cursor(bool Backwards, object?[] Values)
    {
        /// <summary>Longer cursors are not ours: a cursor holds at most a few sort values of bounded length.</summary>
        private const int MaxLength = 4096;

        public static string Encode(string binding, bool backwards, object?[] keys, string id)
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(new object?[] { backwards ? "p" : "n", binding }.Concat(keys).Append(id).ToArray());
            return Base64Url(json);
        }

        public static Cursor Decode(string text, string binding, IReadOnlyList<SortColumn> keys)
        {
            try
            {
                if (text.Length > MaxLength) throw new FormatException();
                using var doc = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(text));
                var items = doc.RootElement.EnumerateArray().ToList();
                if (items.Count != keys.Count + 3 || items[0].GetString() is not ("n" or "p") || items[1].GetString() != binding)
                    throw new FormatException();
                var values = new object?[keys.Count + 1];
                for (var i = 0; i < keys.Count; i++)
                {
                    var item = items[2 + i];
                    values[i] = keys[i].Numeric
                        ? item.ValueKind == JsonValueKind.Number && item.TryGetInt64(out var number) ? number : throw new FormatException()
                        : item.ValueKind == JsonValueKind.String && item.GetString() is { Length: <= SortValues.MaxLength } value ? value : throw new FormatException();
                }
                values[^1] = items[^1].ValueKind == JsonValueKind.String && items[^1].GetString() is { } id && PrimitiveRules.IsId(id) ? id : throw new FormatException();
                return new Cursor(items[0].GetString() == "p", values);
            }
            catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or ArgumentException)
            {
                throw FhirException.BadRequest("_cursor is not a cursor of this search (use the links of the previous page).", "_cursor");
            }
        }
    }
}
