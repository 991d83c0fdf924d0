using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Context;
using FhirServer.Http;
using FhirServer.Rest;
using FhirServer.Storage;

namespace FhirServer.Prescription;

/// <summary>
/// A dispensation moves its prescription (docs/french-flows.md, "e-prescription and dispensation"). The ANS
/// e-prescription guide (ans.fhir.fr.eprescription 1.1.0-ballot) profiles MedicationRequest and Medication and says
/// nothing of MedicationDispense nor of status changes, so the rule follows R4's own semantics:
/// <list type="bullet">
/// <item>MedicationRequest.status (R4 valueset-medicationrequest-status): <c>active</c> is actionable; <c>completed</c>
/// means "all actions that are implied by the prescription have occurred". What the prescription implies is
/// <c>dispenseRequest.quantity</c> for the original dispense and each of its <c>numberOfRepeatsAllowed</c> refills
/// (R4 medicationrequest-definitions.html#MedicationRequest.dispenseRequest.numberOfRepeatsAllowed); without a
/// quantity, one dispensation each.</item>
/// <item>MedicationDispense.status (R4 valueset-medicationdispense-status): only <c>completed</c> dispensations have
/// delivered their quantity; <c>preparation</c> and <c>in-progress</c> are under way against the prescription; the
/// others (cancelled, declined, on-hold, stopped, entered-in-error, unknown) dispensed nothing and are left alone.</item>
/// </list>
/// So: a dispensation under way needs its prescription to exist, to be the same patient's, and to be <c>active</c> (or
/// <c>completed</c>, by a dispensation beside it in the same transaction); a completed one is refused when what was
/// dispensed before it already covers the prescription, and moves an active prescription to <c>completed</c> when
/// with it the dispensations cover it; a partial one leaves it <c>active</c>. The rule runs in the dispensation's
/// transaction after the prescription's lock (<see cref="IStoreSession.ReadCurrentAsync"/>), so two dispensations of
/// one prescription at once are counted one after the other.
/// </summary>
public sealed class DispensationRule(ConformanceContext conformance) : IWriteRule
{
    private const string Prescription = "MedicationRequest";

    public async Task WrittenAsync(ResourceService service, IStoreSession session, WriteResult written, CancellationToken ct)
    {
        if (written.Version is not { Type: "MedicationDispense", Body: { } body }) return;
        using var document = JsonDocument.Parse(body);
        var dispense = document.RootElement;
        var status = Text(dispense, "status");
        if (status is not ("preparation" or "in-progress" or "completed")) return;
        if (!dispense.TryGetProperty("authorizingPrescription", out var authorizing)) return;
        var index = -1;
        foreach (var reference in authorizing.EnumerateArray())
        {
            index++;
            if (PrescriptionId(Text(reference, "reference")) is not { } id) continue;
            await Apply(service, session, written.Version, dispense, status == "completed", id, $"MedicationDispense.authorizingPrescription[{index}]", ct);
        }
    }

    private async Task Apply(ResourceService service, IStoreSession session, StoredVersion version, JsonElement dispense, bool completed, string id,
        string location, CancellationToken ct)
    {
        var current = await session.ReadCurrentAsync(Prescription, id, ct);
        if (current is not { Body: { } body })
            throw Refused($"The dispensation's prescription {Prescription}/{id} does not exist{(current is null ? "" : " any more (deleted)")}.", location);
        using var document = JsonDocument.Parse(body);
        var prescription = document.RootElement;
        var patient = Text(prescription, "subject", "reference");
        if (Text(dispense, "subject", "reference") is { } subject && patient is not null && subject != patient)
            throw Refused($"The dispensation is for {subject} and its prescription {Prescription}/{id} for {patient}: a prescription is dispensed to its own patient.",
                "MedicationDispense.subject");
        var status = Text(prescription, "status");
        if (status is not ("active" or "completed"))
            throw Refused($"The prescription {Prescription}/{id} is {status ?? "without a status"}: only an active prescription is dispensed.", location);
        if (!completed) return;

        var coverage = Coverage.Of(prescription);
        var others = (await session.ReferencingAsync("MedicationDispense", "prescription", Prescription, id, ct))
            .Where(d => d.Id != version.Id && d.Body is not null)
            .Sum(d => coverage.Counted(d.Body!));
        if (others >= coverage.Whole)
            throw Refused($"The prescription {Prescription}/{id} is already fully dispensed ({coverage.Describe(others)} of {coverage.Describe(coverage.Whole)}).", location);
        if (status == "active" && others + coverage.Counted(dispense) >= coverage.Whole)
            await service.UpdateAsync(session, Prescription, id, WithStatus(body, "completed"), null, ct);
    }

    private Conformance.Model.ElementNode WithStatus(byte[] body, string status)
    {
        var json = JsonNode.Parse(body)!.AsObject();
        json["status"] = status;
        return conformance.Json.Parse(JsonSerializer.SerializeToUtf8Bytes(json)).Resource
               ?? throw new InvalidOperationException("A stored prescription could not be read back");
    }

    /// <summary>The id of a reference to a MedicationRequest of this server (relative, R4 references.html#literal); null for others.</summary>
    private static string? PrescriptionId(string? reference)
    {
        if (reference is null || !reference.StartsWith(Prescription + "/", StringComparison.Ordinal)) return null;
        var id = reference[(Prescription.Length + 1)..];
        var history = id.IndexOf("/_history/", StringComparison.Ordinal);
        return history >= 0 ? id[..history] : id;
    }

    private static FhirException Refused(string message, string location) =>
        new(StatusCodes.Status422UnprocessableEntity, "business-rule", message + " (rule: dispensation of an e-prescription)", location);

    private static string? Text(JsonElement element, params string[] path)
    {
        foreach (var name in path)
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element)) return null;
        return element.ValueKind == JsonValueKind.String ? element.GetString() : null;
    }

    /// <summary>
    /// What covers a prescription: its quantity times the dispenses it allows, counted in the completed dispensations'
    /// quantities of the same unit; or, without a quantity, the number of completed dispensations.
    /// </summary>
    private sealed record Coverage(decimal Whole, decimal? Quantity, string? Unit)
    {
        public static Coverage Of(JsonElement prescription)
        {
            var dispenses = 1m;
            JsonElement request = default;
            if (prescription.TryGetProperty("dispenseRequest", out request)
                && request.TryGetProperty("numberOfRepeatsAllowed", out var repeats) && repeats.TryGetDecimal(out var n))
                dispenses += n;
            if (request.ValueKind == JsonValueKind.Object && request.TryGetProperty("quantity", out var quantity) && Value(quantity) is { } value)
                return new Coverage(value * dispenses, value, UnitOf(quantity));
            return new Coverage(dispenses, null, null);
        }

        /// <summary>What a dispensation counts for: its quantity in the prescription's unit, or 1 (a dispense) when the prescription has no quantity.</summary>
        public decimal Counted(byte[] body)
        {
            using var document = JsonDocument.Parse(body);
            return Counted(document.RootElement);
        }

        public decimal Counted(JsonElement dispense)
        {
            if (Text(dispense, "status") != "completed") return 0;
            if (Quantity is null) return 1;
            // A quantity in another unit (or none) cannot be compared: it does not count, and the prescription stays active.
            return dispense.TryGetProperty("quantity", out var quantity) && UnitOf(quantity) == Unit && Value(quantity) is { } value ? value : 0;
        }

        public string Describe(decimal amount) =>
            Quantity is null ? $"{amount.ToString(CultureInfo.InvariantCulture)} dispensation(s)" : $"{amount.ToString(CultureInfo.InvariantCulture)} {Unit}";

        private static decimal? Value(JsonElement quantity) =>
            quantity.TryGetProperty("value", out var value) && value.TryGetDecimal(out var d) ? d : null;

        // UCUM or EDQM code with its system when coded (R4 datatypes.html#Quantity), else the human unit.
        private static string? UnitOf(JsonElement quantity) =>
            Text(quantity, "code") is { } code ? $"{Text(quantity, "system")}|{code}" : Text(quantity, "unit");
    }
}
