// Package docmeta reads what a researcher cites a court document by — court, case name,
// docket number, entry, title and type — from the document itself: its first pages, its
// file name and its ECF stamp. Each value records where it was read (filing.Origin), so
// that what a source or the user states wins over what is read.
//
// # Document types
//
// The type is one of the closed list of filing.DocTypes, for a title block, a docket
// text or a CM/ECF event label alike (Classify). A docket text is typed by the event that
// opens it, never by a paper its object or a later sentence names: "Return of Service re
// Final Order" is a notice, "Case assigned to Judge Roe. Counsel shall serve the
// Complaint" is other. What each type holds:
//
//   - complaint: a pleading that opens a case or a claim: complaint (amended,
//     third-party, counter-), a petition that opens a case (habeas, a bankruptcy
//     voluntary petition), a criminal complaint, indictment or information.
//   - answer: an answer to a complaint or counterclaim.
//   - motion: a request for a ruling: motion, notice of motion, application, letter
//     motion; a CM/ECF motion event named by its relief ("Dismiss", "In Limine").
//   - opposition: a response or objection opposing a motion, claim or request.
//   - reply: a reply in support of a motion or brief.
//   - memorandum: a party's memorandum of law or argument that is not itself an
//     opposition or reply (in support of a motion, a sentencing memorandum, a response
//     that opposes no motion).
//   - order: a ruling signed by a judge or clerk: order, scheduling order, text order,
//     so-ordered paper, "stipulation and order" as entered, an appellate clerk order.
//   - opinion: a court's reasoned decision: opinion, memorandum opinion or disposition,
//     per curiam; a magistrate judge's report and recommendation.
//   - judgment: a judgment (final, default, consent), and an order or opinion that is
//     entered with its judgment ("Order and Judgment", "opinion and judgment").
//   - declaration: a declaration, affidavit or affirmation offered as evidence.
//   - exhibit: an exhibit, or an attachment brought from outside as evidence.
//   - brief: an appellate or amicus brief that is not a reply.
//   - notice: a notice (of appearance, appeal, removal, filing, hearing, voluntary
//     dismissal), an appearance form, a summons, a certificate, proof or affidavit of
//     service, a return or waiver of service, a certified mail receipt.
//   - stipulation: a stipulation of the parties not yet ordered.
//   - transcript: a transcript of proceedings.
//   - letter: a letter to or from the court that is not a motion.
//   - minute entry: the minutes of a proceeding, a minute order.
//   - other: anything else: cover sheets, disclosure statements, consents, plea
//     agreements, clerk's docket events without a paper (case assigned, termination
//     without a panel, deadlines set, documents deleted).
package docmeta
