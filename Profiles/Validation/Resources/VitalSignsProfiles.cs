using System.Collections.Frozen;
using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.Resources;

/// <summary>
/// The vital signs profiles an Observation must meet because of its code (R4 observation-vitalsigns.html: "If
/// implementations use this Observation resource to represent any of the vital signs listed in the table below, then
/// they SHALL use the vital sign profiles"), applied when <see cref="ValidatorOptions.VitalSignsProfiles"/> is on.
/// </summary>
internal static class VitalSignsProfiles
{
    private const string Loinc = "http://loinc.org";
    private const string Snomed = "http://snomed.info/sct";
    private const string Core = "http://hl7.org/fhir/StructureDefinition/";

    // The signs of R4 observation-vitalsigns.html's table, each with the LOINC codes (and then the SNOMED CT codes) the
    // HL7 validator reads as that sign: the sign's own code and the codes of its variants (a body temperature measured
    // orally, a heart rate while sleeping…). Searched in this order, the first sign with a matching coding wins.
    private static readonly (string System, string Profile, string[] Codes)[] Signs =
    [
        (Loinc, "vitalspanel", ["85353-1"]),
        (Loinc, "resprate", ["9279-1", "76170-0", "76172-6", "76171-8", "19840-8", "33438-3", "76270-8", "11291-2"]),
        (Loinc, "heartrate", ["60978-4", "73795-7", "73799-9", "76476-1", "76477-9", "8867-4", "8889-8", "8890-6", "8891-4", "8892-2", "8893-0", "40443-4", "55425-3", "68999-2", "11328-2", "69000-8", "8886-4"]),
        (Loinc, "oxygensat", ["2708-6", "19224-5", "20564-1", "2709-4", "2710-2", "2711-0", "2713-6", "51733-4", "59408-5", "59417-6", "89276-0", "97549-0"]),
        (Loinc, "bodytemp", ["8310-5", "60834-9", "60835-6", "60836-4", "60838-0", "60955-2", "61009-7", "75539-7", "75987-8", "76010-8", "76011-6", "76278-1", "8309-7", "8328-7", "8329-5", "8330-3", "8331-1", "8332-9", "8333-7", "8334-5", "91371-5", "98657-0", "98663-8"]),
        (Loinc, "bodyheight", ["8302-2", "3137-7", "3138-5", "8306-3", "8308-9"]),
        (Loinc, "headcircum", ["9843-4", "8287-5"]),
        (Loinc, "bodyweight", ["29463-7", "3141-9", "3142-7", "75292-3", "79348-9", "8350-1", "8351-9"]),
        (Loinc, "bmi", ["39156-5", "59574-4", "89270-3"]),
        (Loinc, "bp", ["85354-9", "35094-2", "8459-0", "76534-7", "55284-4", "8480-6"]),
        (Snomed, "vitalspanel", ["46680005"]),
        (Snomed, "heartrate", ["249043002", "444981005", "399017001", "251670001", "429525003", "429614003"]),
        (Snomed, "oxygensat", ["103228002", "442349007", "442476006", "442440005", "431314004", "442734002", "713194001"]),
        (Snomed, "bodytemp", ["386725007", "276885007", "300076005", "1222808002", "364246006", "307047009", "708499008", "431598003", "698831002", "698832009", "415882003", "415974002", "415929009", "415945006"]),
        (Snomed, "bodyheight", ["1153637007", "1162419008", "50373000", "1162418000", "1230278008", "1162392001", "1162417005"]),
        (Snomed, "headcircum", ["363812007", "169876006", "1269262007", "363811000"]),
        (Snomed, "bodyweight", ["60621009", "735395000", "425024002", "424927000", "784399000", "1162416001", "1162415002"]),
        (Snomed, "bp", ["75367002", "251076008", "163033001", "163035008", "386534000", "386536003", "271649006", "271650006", "407556006", "407554009", "716579001", "399304008"]),
    ];

    // "system|code" → the rank of its sign in Signs (a code listed for two signs belongs to the first).
    private static readonly FrozenDictionary<string, int> Rank = BuildRank();

    private static FrozenDictionary<string, int> BuildRank()
    {
        var rank = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Signs.Length; i++)
            foreach (var code in Signs[i].Codes) rank.TryAdd(Signs[i].System + "|" + code, i);
        return rank.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The profile the Observation's code calls for, or null.</summary>
    public static string? For(ElementNode observation)
    {
        if (observation.Child("code") is not { } code) return null;
        var best = int.MaxValue;
        foreach (var coding in code.ChildrenNamed("coding"))
            if (coding.Child("system")?.Value is Loinc or Snomed && coding.Child("code")?.Value is { } c &&
                Rank.TryGetValue(coding.Child("system")!.Value + "|" + c, out var rank) && rank < best)
                best = rank;
        return best == int.MaxValue ? null : Core + Signs[best].Profile;
    }
}
