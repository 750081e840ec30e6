"""What customers write, as patterns over folded text (lower case, no accents), in the seven languages.

Patterns are built from the parts a sentence is made of, not from whole sentences: a payment verb
and its tense (past: "paid", "réglée", "überwiesen", "pagado", "saldata", "betaald", "transferido";
future: "will pay", "paierons", "werden ... zahlen", "pagaremos", "pagheremo", "zullen ... betalen",
"pagaremos"), a document word and a request verb ("send ... a copy of the invoice"), a reason to
dispute. A present-tense payment ("je fais le virement demain", "wir zahlen nächste Woche") is a
promise when its date is to come and a payment made when it is past: `reading.py` decides with the date.
"""

from __future__ import annotations

import re


def any_of(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z])(?:" + "|".join(patterns) + r")(?![a-z])")


# A payment, whatever its tense: the verbs and nouns of paying in the seven languages.
PAY = (
    r"pa(?:y|ys|id|ying|yment|iement|ie|ies|yer|yons|yez|ye|yee|ierai|ierons|ierez)|regl\w*|vir(?:e|ee|es|"
    r"ees|er|ons|ement)"
    r"|vers(?:e|ee|es|ees|er|ons|ement)|versat\w*|versad\w*|sold\w*|zahl\w*|bezahl\w*|gezahlt|uberw\w*|"
    r"begleich\w*|beglichen|pag\w*|abon\w*"
    r"|transf\w*|liquid\w*|ingres\w*|bonific\w*|salda\w*|betaal\w*|betal\w*|overma\w*|overgemaakt|overboek\w*"
    r"|overgeboekt|voldo\w*|voldaan|settl\w*|wire[ds]?|remit\w*|funds|money|geld|argent|fonds|dinero|"
    r"fondos|soldi"
    r"|fondi|dinheiro|fundos|clear(?: the balance)?|go(?:es)? out|went out|maak\w* (?:\w+ ){0,4}over"
    r"|sorted|erledigt|resuelto|sistemat\w*|geregeld|regel\w*|resolvid\w*|regularis\w*|regulariz\w*"
    r"|auszugleichen|zu (?:zahlen|bezahlen|uberweisen|begleichen)|raus|rausgegangen|de deur uit|sale|sai"
    r"|parte|part"
    r"|ausgleich\w*|ausgeglichen|saldo|(?:received|recevoir|recu|erhalten|recibido|ricevuto|ontvangen|"
    r"recebido)\b"
    r".{0,40}\b(?:from us|de notre part|de nous|von uns|nuestros|de nosotros|da noi|van ons|nossos|de nos)"
    r"|(?:von uns|van ons)\b.{0,20}\b(?:erhalten|ontvangen)"
)
PAST_PAY = any_of(
    r"(?:invoice|facture|rechnung|factura|fattura|factuur|fatura) (?:\w+ ){0,3}(?:as|como|als|comme|come)"
    r" (?:\w+ )?(?:paid|settled|payee|reglee|soldee|bezahlt|beglichen|ausgeglichen|pagada|saldada|liquidada"
    r"|pagata|saldata|betaald|voldaan|vereffend|paga)",
    r"(?:per|by|par|por|con|met|com|mit) \w+ (?:paid|betaald|bezahlt|pagad[oa]|pagat[oa]|payee?|pag[oa])",
    r"(?:ist|is|est|esta|e) (?:\w+ ){0,2}(?:rechnung|factuur|facture|factura|fattura|fatura"
    r"|invoice) (?:\w+ )?"
    r"(?:bezahlt|beglichen|ausgeglichen|betaald|voldaan|payee|reglee|soldee|pagada|saldada|pagata|saldata"
    r"|paid|settled)",
    # the state of the invoice: "this invoice is settled", "la facture est soldée", "risulta saldata"
    r"(?:invoice|facture|rechnung|factura|fattura|factuur|fatura|it|this|elle|sie|ella|essa|hij|ela)"
    r" (?:\w+ ){0,2}(?:is|est|ist|esta|e|risulta|resulta|is al|ja esta|fica) (?:\w+ ){0,2}"
    r"(?:paid|settled|payee|reglee|soldee|bezahlt|beglichen|ausgeglichen|pagada|saldada|liquidada|pagata"
    r"|saldata"
    r"|betaald|voldaan|vereffend|paga)",
    # a payment that crossed the reminder
    r"cross\w* (?:with )?your|a (?:du )?croise|uberschnitten|(?:se )?(?:habra |ha )?cruzado|incrociat\w*"
    r"|gekruist"
    r"|cruzad[oa]|ter-se cruzado",
    # a participle first: "paid via online banking", "payée par virement", "per Onlinebanking bezahlt"
    r"^\W*(?:paid|payee?|reglee?|pagad[oa]|pagat[oa]|saldat[oa]|betaald|pag[oa]|bezahlt|uberwiesen"
    r"|transferred"
    r"|viree?|settled|liquidad[oa])\b",
    r"(?:paid|settled|payee?|reglee?|pagad[oa]|pagat[oa]|betaald|pag[oa]) (?:via|by|through|with|par|por"
    r"|tramite"
    r"|met|com|per|con|online)",
    r"per \w+ (?:bezahlt|uberwiesen|beglichen)",
    # en
    r"(?:already|have|has|had|we've|i've|was|were|been|got)\s+(?:\w+\s+){0,3}(?:paid|settled|transferred|"
    r"wired|remitted)",
    r"(?:paid|settled) (?:it|this|that|in full|already|on|yesterday|last|by|a while|\d)",
    r"(?:we|i) (?:paid|settled|wired|transferred|sent|made|remitted)",
    r"payment (?:was|has|had) (?:already )?(?:been )?(?:made|sent|processed|done|executed|settled|paid)",
    r"payment sent",
    r"(?:transfer|payment|money|funds) (?:went out|left|was sent|has been sent|has gone)",
    r"(?:this|it) (?:is|was|has been) (?:\w+ )?(?:paid|settled)", r"should have received",
    r"(?:funds|money) (?:left|have left)",
    # fr
    r"deja (?:ete |bien )?(?:paye|regle|vire|verse|solde|fait)e?s?",
    r"(?:avons|ai|a ete|ont ete|est|sont|a bien ete)(?: \w+){0,2} (?:paye|regle|vire|verse|effectue|solde|"
    r"envoye|fait)e?s?",
    r"(?:l'|les )(?:avons|ai) (?:paye|reglee?|vire|verse)e?s?",
    r"virement (?:a ete |est )?(?:bien )?(?:effectue|parti|envoye|fait|passe)",
    r"paiement (?:a ete |est )?(?:effectue|traite|fait|parti)",
    r"(?:avons|ai) (?:fait|effectue|envoye) (?:le |un )?(?:virement|paiement|reglement)",
    r"reglement a (?:deja )?ete fait",
    r"(?:sont sortis|est parti|a quitte) (?:de )?notre compte", r"(?:left|has left) our (?:bank )?account",
    r"(?:salio|salieron|ha salido) de nuestra cuenta", r"(?:usciti|uscito) dal nostro conto",
    r"van onze rekening (?:gegaan|afgeschreven)", r"(?:saiu|sairam) da nossa conta",
    # a participle then "already": "pagata gia da tempo", "payee depuis", "pagado ya"
    r"(?:paid|payee?|reglee?|bezahlt|uberwiesen|pagad[oa]|pagat[oa]|saldat[oa]|betaald|pag[oa]) (?:\w+ )?"
    r"(?:already|deja|depuis|schon|bereits|ya|gia|al|ja|ha tempo|da tempo|hace tiempo|a while)",
    r"(?:avez|auriez) du recevoir",
    r"(?:payee?|reglee?) depuis",
    r"ont ete vires",
    # de
    r"(?:bereits|schon|langst) (?:\w+ ){0,4}(?:bezahlt|uberwiesen|beglichen|erledigt|gezahlt|erfolgt)",
    r"(?:haben|habe|hat|wurde|wurden|ist|sind|war)\b(?:\s+\S+){0,6}\s+(?:bezahlt|uberwiesen|beglichen|"
    r"gezahlt|angewiesen|ausgefuhrt|veranlasst)",
    r"(?:bezahlt|uberwiesen|beglichen|gezahlt|angewiesen) (?:ist|sind|wurde|wurden|hat|haben|worden)",
    r"uberweisung (?:ging|ist raus|wurde|am)", r"konto verlassen",
    r"konto .{0,40}verlassen",
    r"zahlung ist (?:schon |bereits )?erfolgt", r"sollten .{0,40}erhalten haben", r"haben .{0,40}uberwiesen",
    # es
    r"ya (?:esta |ha sido |se |lo |la )?(?:pagad|abonad|liquidad|transferid|pago|hizo|ha pagado|"
    r"hemos pagado)\w*",
    r"(?:hemos|he|ha sido|han sido|fue|se|se ha|se han)(?: \w+){0,2} (?:pagad|abonad|transferid|realizad|"
    r"efectuad|liquidad|hecho)\w*",
    r"(?:pague|la pague|lo pague|lo abonamos|hicimos la transferencia)",
    r"(?:la )?transferencia (?:salio|realizada|se hizo|efectuada|hecha)",
    r"se (?:transfirieron|transfirio|pago|abono|tramito)",
    r"(?:dinero|importe) (?:ha )?salido", r"deberian haber recibido", r"(?:esta|estan) pagad[oa]s?",
    r"pago se (?:hizo|tramito|realizo)", r"se hizo un pago",
    # it
    r"gia (?:stat[oa] |stata )?(?:pagat|saldat|bonificat|versat|fatto)\w*",
    r"(?:abbiamo|ho|e stat[oa]|sono stati|e)(?: \w+){0,2} (?:pagat|saldat|bonificat|versat|effettuat|"
    r"eseguit|inviat)\w*",
    r"(?:l'ho|l'abbiamo) (?:pagat|saldat)\w*", r"bonifico (?:effettuato|e partito|eseguito|fatto)",
    r"(?:abbiamo|ho) fatto il bonifico", r"(?:soldi|fondi) sono usciti", r"dovreste aver ricevuto",
    r"saldata da tempo",
    r"pagamento (?:e gia stato|e stato) (?:fatto|effettuato|eseguito)",
    # nl
    r"(?:al|reeds|allang) (?:\w+ ){0,4}(?:betaald|voldaan|overgemaakt|overgeboekt)",
    r"(?:hebben|heb|heeft|is|zijn|werd)\b(?:\s+\S+){0,10}\s+(?:betaald|voldaan|overgemaakt|overgeboekt|"
    r"verwerkt|afgeschreven|afgehandeld)",
    r"(?:betaald|voldaan|overgemaakt|overgeboekt) (?:is|zijn|werd|hebben|heeft)",
    r"overboeking (?:is )?(?:gedaan|verstuurd|uitgevoerd)", r"betaling is (?:al )?(?:gedaan|verwerkt)",
    r"zou .{0,40}ontvangen moeten hebben", r"van onze rekening (?:gegaan|afgeschreven)",
    # pt
    r"ja (?:foi |esta |ta |estava )?(?:pag[oa]|liquidad[oa]|transferid[oa]|feito)",
    r"(?:foi|foram|ja) (?:\w+ )?(?:pag[oa]s?|transferid|liquidad|efetuad|feit|processad)\w*",
    r"(?:paguei|fizemos a transferencia)",
    r"(?:a )?transferencia (?:saiu|foi feita|efetuada)", r"dinheiro saiu", r"devem ter recebido",
    r"esta paga",
)  # fmt: skip
FUTURE_PAY = any_of(
    # the money arriving: "should reach you", "vous recevrez le paiement", "Sie erhalten die Zahlung"
    r"(?:reach|arrive|land|be with) (?:you|on|by)|(?:you(?:'ll| will)|will) (?:have|receive|get) (?:it"
    r"|the (?:money"
    r"|payment|funds))|vous (?:parviendra|recevrez|aurez)|(?:parviendra|arrivera)|sie erhalten|erreicht sie"
    r"|bei ihnen (?:ist|sein)|(?:recibiran|tendran|le llegara|les llegara|llegara)|(?:riceverete"
    r"|vi arrivera|arrivera)"
    r"|(?:u ontvangt|komt .{0,30}binnen|bij u binnen)|(?:receberao|chega-vos|chegara|vai chegar)",
    # approved, released, authorised for a date
    r"(?:approv|authori[sz]|releas|sign\w* off|valid|autoris|freigeb|freigegeben|genehmig|aprueb|aprobad"
    r"|autoriz"
    r"|libera|keur\w* .{0,30}goed|aprova)\w*",
    # en
    r"(?:will|'ll|shall|going to|gonna|plan to|intend to|expect to|aim to|can|could|"
    r"promise to)\s+(?:\w+\s+){0,4}"
    r"(?:pay|settle|transfer|wire|remit|clear|release|send (?:the )?(?:payment|money|funds)|"
    r"make (?:the )?payment"
    r"|get (?:this|it) paid|be paid|be settled|go out|be sent|be made)",
    r"(?:is|are) scheduled", r"payment run", r"to be paid", r"(?:will|'ll) (?:go|be) out",
    # fr
    r"(?:paier|payer|regler|verser|virer|solder|effectuer|proceder)(?:ai|ons|a|ez)",
    r"pourr(?:ons|ai) (?:vous )?(?:regler|payer)",
    r"ser(?:a|ont) (?:\w+ )?(?:paye|regle|vire|verse|effectue|solde|envoye)e?s?",
    r"(?:allons|vais|va) (?:\w+ )?(?:regler|payer|virer|proceder|solder)", r"je (?:fais|lance) le virement",
    r"je (?:vous )?regle",
    r"(?:on|je|nous) (?:vous )?(?:paie|paye|payons|reglons)", r"partira", r"(?:est )?programme",
    r"(?:paiement|reglement) prevu",
    r"passera", r"m'engage a (?:payer|regler)",
    # de
    r"(?:werde|werden|wird)\b(?:\s+\S+){0,8}\s+(?:zahlen|bezahlen|uberweisen|begleichen|uberwiesen|"
    r"beglichen|bezahlt|angewiesen|freigegeben)",
    r"(?:ich|wir) (?:zahle|zahlen|uberweise|uberweisen|begleiche|begleichen)",
    r"(?:zahle|uberweise|begleiche)\w* (?:ich|wir)",
    r"(?:zahlen|uberweisen|begleichen|bezahlen) wir", r"geht .{0,30}raus", r"eingeplant", r"vorgesehen",
    r"zahllauf",
    r"gibt die zahlung .{0,30}frei", r"(?:zahlung|uberweisung) erfolgt", r"sorge dafur",
    r"konnen .{0,30}(?:zahlen|ausgleichen)",
    r"(?:zahle|zahlen) (?:spatestens|bis)",
    # es
    r"(?:pagar|abonar|transferir|liquidar|saldar|ingresar)(?:e|emos|a|an)",
    r"se (?:abonara|pagara|liquidara|realizara|transferira|enviaran)",
    r"sera (?:\w+ )?(?:abonad|pagad|liquidad|transferid)\w*",
    r"(?:vamos|voy) a (?:\w+ )?(?:pagar|abonar|transferir|liquidar)",
    r"hago la transferencia", r"(?:le|les) (?:pagamos|abonamos)", r"pago el", r"saldra", r"programad[oa]",
    r"previsto",
    r"me comprometo a pagar", r"podremos (?:\w+ )?(?:pagar|saldar|abonar)", r"liberara", r"remesa de pagos",
    # it
    r"(?:pagher|salder|verser|provvede|bonificher)(?:o|emo|a|anno)",
    r"sara (?:\w+ )?(?:saldat|pagat|versat|bonificat)\w*",
    r"verra (?:\w+ )?(?:saldat|pagat|versat)\w*", r"faccio il bonifico", r"(?:vi )?paghiamo", r"partira",
    r"programmat[oa]", r"previst[oa]", r"mi impegno a pagare", r"potremo (?:\w+ )?(?:pagar|saldar)\w*",
    r"sblocchera",
    r"saranno inviati", r"ciclo di pagament", r"(?:parte|pago) (?:domani|venerdi|lunedi)",
    # nl
    r"(?:zullen|zal|gaan|ga)\b(?:\s+\S+){0,6}\s+(?:betalen|voldoen|overmaken|overboeken)",
    r"(?:we|wij|ik) (?:betalen|betaal|maken|maak)", r"betaal (?:uiterlijk|morgen)", r"maak het .{0,20}over",
    r"wordt .{0,40}(?:voldaan|overgemaakt|betaald|verstuurd)", r"gepland", r"betaalrun", r"betaalcyclus",
    r"de deur uit",
    r"zorg (?:ervoor )?dat het geld", r"kunnen .{0,30}(?:betalen|voldoen)", r"geeft .{0,30}vrij",
    # pt
    r"(?:pagar|liquidar|transferir)(?:ei|emos|a)", r"sera (?:\w+ )?(?:pag|liquidad|efetuad|transferid)\w*",
    r"(?:vamos|vou) (?:\w+ )?(?:pagar|liquidar|transferir)", r"faco a transferencia",
    r"pagamos (?:na|no|a|ate)",
    r"(?:sai|saira) (?:na|no|amanha|a)", r"agendad[oa]", r"previsto", r"comprometo-me a pagar",
    r"poderemos (?:\w+ )?pagar",
    r"conseguimos (?:\w+ )?(?:liquidar|pagar)", r"vai libertar", r"serao enviados", r"lote de pagamentos",
    r"pago ate",
)  # fmt: skip
# Not paying, or only once something is put right: a dispute, never a promise.
WONT_PAY = any_of(
    r"(?:will not|won't|not going to|refuse to|cannot|can't) (?:\w+ )?pay", r"not pay(?:ing)?",
    r"until .{0,60}(?:replaced|fixed|corrected|resolved)",
    r"ne (?:\w+ )?(?:paier|payer|regler)\w* pas", r"tant que", r"(?:bezahlen|zahlen|begleichen) wir nicht",
    r"(?:nicht|keinen?) (?:\w+ )?(?:zahlen|bezahlen)", r"erst,? wenn",
    r"no (?:\w+ )?(?:pagaremos|vamos a pagar|pagamos)",
    r"hasta que", r"non (?:\w+ )?(?:pagheremo|paghiamo)", r"finche",
    r"(?:betalen|betaal) (?:we |ik )?(?:niet|pas als)",
    r"niet (?:het volledige bedrag|betalen)", r"(?:nao|não) (?:\w+ )?(?:pagaremos|vamos pagar|pagamos)",
    r"ate que",
)  # fmt: skip
DISPUTE = any_of(
    r"(?:won't|will not|do not|don't|cannot|can't) accept", r"n'acceptons pas", r"n'accepterons pas",
    r"akzeptieren .{0,12}nicht", r"no (?:la |lo )?aceptamos", r"non (?:la |lo )?accettiamo",
    r"accepteren .{0,12}niet", r"nao (?:o |a )?aceitamos", r"prematur\w*", r"zu fruh", r"voorbarig",
    r"never signed off", r"jamais receptionne\w*",
    r"nie abgenommen", r"nunca se recepcion\w*", r"mai (?:stati )?collaudat\w*", r"nooit opgeleverd",
    r"(?:never|jamais|nie|nunca|mai|nooit) .{0,30}(?:told|informed|annonce|informiert|informaron|comunicato"
    r"|geinformeerd|informados)",
    # objecting, refusing, not owing
    r"object to", r"(?:we |nous )?refus\w*", r"reject\w*", r"lehnen .{0,40}ab", r"rechaz\w*", r"no aceptamos",
    r"non accettiamo", r"niet akkoord", r"nao aceitamos", r"not (?:liable|responsible)", r"(?:do not"
    r"|don't) owe",
    r"pas redevables?", r"ne (?:devons|dois) (?:rien|pas)", r"(?:schulden"
    r"|schuldet) .{0,20}nicht", r"besteht nicht",
    r"no (?:nos corresponde|debemos)", r"non ci compete", r"non (?:dobbiamo|doviamo)", r"niet verschuldigd",
    r"nao devemos", r"nicht (?:unsere|unser) (?:bestellung|auftrag)", r"(?:not|pas|no es|non e|niet"
    r"|nao e) (?:\w+ )?"
    r"(?:our|notre|nuestro|un nostro|onze|a nossa) (?:order|commande|pedido|ordine|bestelling|encomenda)",
    # faulty, a number denied ("40 units, not 50", "3 days, not 5")
    r"faulty", r"defect\w*", r"defekt\w*", r"defeito", r"(?:not|nicht|pas|no|non|niet|geen|nao|kein\w*) \d+",
    # cancel the invoice
    r"(?:cancel|annul|storn|anul)\w* (?:the |la |die |de |a )?(?:invoice|facture|rechnung|factura|fattura"
    r"|factuur"
    r"|fatura)", r"(?:invoice|rechnung|factuur) .{0,20}(?:stornieren|annuleren|cancel)",
    # words of disputing
    r"disput\w*", r"contest\w*", r"complaint", r"litige", r"reclamation", r"widersprech\w*", r"widerspruch",
    r"beanstand\w*",
    r"reklamation", r"bestreit\w*", r"reclamacion", r"reclamamos", r"impugn\w*", r"reclamo", r"betwist\w*",
    r"bezwaar", r"klacht", r"reclamacao", r"reclamamos",
    # not agreeing, never agreed
    r"(?:do not|don't|never) agree", r"pas d'accord", r"jamais accepte", r"nicht einverstanden",
    r"nie zugestimmt",
    r"no (?:estoy|estamos) (?:conformes?|de acuerdo)", r"nunca aceptamos", r"non (?:sono|siamo) d'accordo",
    r"mai accettato", r"niet eens", r"nooit ingestemd", r"nao concordo", r"nunca aceitamos",
    # goods or service not received, damaged, not ordered, cancelled, returned
    r"(?:never|not) (?:arrived|delivered|completed|received the (?:goods|items|products|order))",
    r"never came",
    r"have not received the (?:goods|items)", r"goods never", r"jamais (?:arrivee?|venu)",
    r"pas (?:recu|termines?|realisee?)",
    r"nie (?:angekommen|gekommen|bestellt)", r"nicht (?:erhalten|abgeschlossen|erbracht)",
    r"nunca (?:llego|vino|pedimos|chegou|apareceu)",
    r"no (?:hemos recibido|se presto|esta terminado)", r"mai (?:arrivata|venuto|ordinato)",
    r"non (?:abbiamo ricevuto|e stato prestato)",
    r"non sono finiti", r"nooit (?:aangekomen|gekomen|besteld)", r"niet (?:ontvangen|af|geleverd)",
    r"nao (?:recebemos|esta concluido)",
    r"damaged", r"broken", r"defective", r"abime\w*", r"casse\w*", r"endommag\w*", r"beschadigt\w*",
    r"kaputt", r"danad\w*", r"rotos?",
    r"danneggiat\w*", r"rott[ia]", r"beschadigd\w*", r"kapot", r"danificad\w*", r"partid[oa]s?",
    r"stopped working", r"en panne", r"ausgefallen", r"dejo de funcionar", r"guastat\w*",
    r"viel .{0,20}uit", r"avariou",
    r"never ordered", r"did not order", r"jamais commande", r"nunca encomendamos", r"cancel+ed",
    r"annulee?", r"storniert",
    r"anul(?:o|ado)", r"annullato", r"geannuleerd", r"cancelad[oa]", r"returned the goods",
    r"retourne la marchandise",
    r"zuruckgeschickt", r"devolvimos", r"abbiamo reso", r"teruggestuurd", r"devolvemos",
    # wrong figures, billed twice, not as agreed
    r"(?:amount|price|total|quantity|rate|invoice) (?:is |seems |was )?(?:wrong|incorrect)",
    r"wrong (?:amount|price|customer|price)",
    r"incorrect\w*", r"incorret\w*", r"(?:charged|billed|invoiced) (?:us )?twice",
    r"duplicate of invoice \d+", r"(?:doesn't|does not|don't) match",
    r"higher than", r"extra charges", r"old price", r"montant est faux", r"faux", r"errone\w*",
    r"factur\w* deux fois", r"doublon",
    r"ne correspond pas", r"superieur a", r"ancien tarif", r"frais supplementaires", r"erreur de client",
    r"stimmt nicht", r"falsch", r"zweimal (?:berechnet|in rechnung)", r"doppelt (?:berechnet|zur rechnung)",
    r"entspricht nicht", r"(?:liegt )?uber dem", r"alten preis",
    r"zusatzkosten", r"(?:esta|es) mal", r"equivocad\w*", r"erronea", r"facturado dos veces",
    r"duplicado de la factura \d+", r"no coincide",
    r"superior a la", r"precio antiguo", r"cargos adicionales", r"sbagliat\w*", r"errat[ao]",
    r"fatturato due volte", r"doppione",
    r"non corrisponde", r"superiore a quella", r"prezzo vecchio", r"costi aggiuntivi", r"klopt niet",
    r"onjuist", r"fout",
    r"twee keer gefactureerd", r"dubbel (?:met|gefactureerd)", r"komt niet overeen", r"hoger dan",
    r"oude prijs", r"extra kosten", r"verkeerde klant",
    r"errad[oa]", r"incorreta", r"faturaram-nos duas vezes", r"duplicado da fatura \d+", r"nao corresponde",
    r"superior a do", r"preco antigo", r"custos adicionais",
    r"cliente errado",
    r"(?:wrong|falsche[rn]?|mauvais|equivocad[oa]|sbagliat[oa]|verkeerde|errad[oa]) (?:customer|client|"
    r"kunde|cliente|klant)",
    r"(?:not|nicht|pas|no|non|niet|nao) (?:\w+ ){0,3}(?:the company|die firma|notre societe|la empresa|"
    r"l'azienda"
    r"|het bedrijf|a empresa) (?:that|die|qui|que|che|dat)",
    r"credit note", r"(?:un|d'un|l') avoir", r"gutschrift", r"(?:un|el) abono",
    r"nota di credito", r"creditnota", r"nota de credito",
    r"(?:hold|suspend\w*|zuruckstellen|en espera|sospendete|aanhouden|suspendam) (?:the |la |die |de |"
    r"a )?(?:invoice|facture|rechnung|factura|fattura|factuur|fatura)",
)  # fmt: skip
NOT_A_DISPUTE = any_of(  # "wrong contact", "incorrect address": a change of contact, not of the invoice
    r"(?:wrong|incorrect|mauvais|falscher|equivocado|sbagliato|verkeerde|errado) (?:contact|person|"
    r"interlocuteur"
    r"|ansprechpartner|contacto|contatto|contactpersoon|persona|e-?mail|address|adresse)",
    r"(?:contact|contacto|contatto) (?:sbagliato|equivocado|errado)",
)
DOCUMENT = (
    r"(?:invoice|facture|rechnung\w*|factura|fattura|factuur|fatura|pdf|attachment|attached file|piece jointe"
    r"|fichier|anhang|datei|adjunto|archivo|allegat\w*|file|bijlage|bestand|anexo|ficheiro|document\w*)"
)
COPY = any_of(
    # the invoice again, in any words: "pop the invoice over again", "me redonner la facture"...
    rf"{DOCUMENT}\b.{{0,40}}(?:again|once more|encore|a nouveau|nochmal|noch (?:ein)?mal|erneut|otra vez"
    rf"|de nuevo"
    r"|di nuovo|ancora|nog (?:een )?(?:keer|eens)|nogmaals|opnieuw|outra vez|de novo)",
    rf"(?:redonner|ruberschick\w*|pasan|ripassa\w*|passar-me)\b.{{0,30}}{DOCUMENT}",
    r"(?:can't|cannot|unable to|impossible de|kann .{0,12}nicht|no (?:la |lo )?|non riesco a|kan .{0,12}niet"
    r"|nao (?:a |o )?)(?:\w+ )?(?:find|locate|retrouver|trouver|finden|localiz\w*|encuentr\w*|trovar\w*"
    r"|vinden"
    r"|terugvinden|encontr\w*)",
    rf"(?:need|besoin|brauch|necesit|bisogno|nodig|precis)\w* .{{0,30}}(?:{DOCUMENT}|original)",
    rf"(?:{DOCUMENT}|original)\w* .{{0,20}}nodig",
    r"re-?issue", r"reediter", r"rééditer", r"neu ausstellen", r"volver a emitir", r"riemettere",
    r"opnieuw uitgeven",
    r"reemitir", r"(?:link|lien|enlace|collegamento) .{0,40}(?:download|telecharg|herunterlad|descarg"
    r"|scaricar)",
    r"(?:didn't|did not|haven't|have not|never) (?:\w+ ){0,2}(?:get|got|had"
    r"|receive[d]?) (?:\w+ ){0,3}(?:invoice|pdf)",
    r"(?:n'avons|n'ai) pas (?:eu|recu) (?:\w+ ){0,3}facture", r"(?:nur|only) .{0,30}(?:mahnung|reminder)",
    r"no nos llego la factura", r"(?:non|niet|nao) (?:abbiamo ricevuto|hebben"
    r"|recebemos) (?:\w+ ){0,3}(?:fattura|factuur|fatura)",
    r"cop(?:y|ie|ia)", r"kopie", r"duplicat\w*", r"duplikat", r"duplicado", r"duplicaat", r"segunda via",
    r"rechnungskopie",
    rf"(?:re-?send|send|forward|e-?mail|mail|provide|get)\b.{{0,40}}{DOCUMENT}",
    rf"(?:envoy|renvoy|transmet|fair\w* (?:parvenir|suivre)|adress|joindre)\w*.{{0,40}}{DOCUMENT}",
    rf"(?:schick|send|zukommen|mail|zusend|anhang)\w*.{{0,40}}{DOCUMENT}",
    rf"{DOCUMENT}.{{0,40}}(?:schick|send|mail|zukommen)\w*",
    rf"(?:envi|reenvi|mand|hac\w* llegar|remit(?:a|an|ir|irnos|irme)\b|adjunt)\w*.{{0,40}}{DOCUMENT}",
    rf"{DOCUMENT}.{{0,30}}(?:envi|reenvi|mand)\w*",
    rf"(?:invi|rimand|rinvi|mand|inoltr|far\w* pervenire|allegat)\w*.{{0,40}}{DOCUMENT}",
    rf"(?:stuur|zend|mail|doorstur|bezorg|bijvoeg|versturen|sturen)\w*.{{0,40}}{DOCUMENT}",
    rf"{DOCUMENT}.{{0,40}}(?:sturen|mailen|versturen)",
    rf"(?:envi|reenvi|mand|fazer chegar|anex)\w*.{{0,40}}{DOCUMENT}",
    rf"{DOCUMENT}.{{0,30}}(?:envi|reenvi|mand)\w*",
    rf"{DOCUMENT}.{{0,30}}(?:missing|absente?|fehlt|falta|manca|ontbreekt|not come through|"
    rf"n'est pas passee|kam nicht an|no llego|non e arrivato|kwam niet door|nao chegou)",
    r"(?:missing|absente?|fehlt|falta|manca|ontbreekt)\b.{0,40}(?:pdf|attachment|anhang|adjunto|allegato|"
    r"bijlage|anexo)",
    r"(?:nothing|rien|nichts|nada|niente|niets) (?:was |n'etait |war |venia |c'era |zat )?(?:attached|"
    r"joint|angehangt|adjunto|in allegato|bij)",
    r"(?:rien n'etait joint|nichts angehangt|no venia nada adjunto|niente in allegato|zat niets bij|"
    r"nao vinha nada)",
    rf"(?:never|not|jamais|nie|nunca|mai|nooit|nao) (?:\w+ ){{0,2}}(?:received|recu|bekommen|erhalten|"
    rf"recibido|recibimos|ricevuto|ontvangen|recebemos) (?:the |la |die |de |a )?{DOCUMENT}",
    r"(?:can't|cannot|can not) (?:find|open)", r"ne (?:la |le )?trouve pas", r"n'arrive pas a ouvrir",
    r"finde sie nicht",
    r"nicht offnen", r"liegt mir nicht vor", r"no (?:la |lo )?encuentro", r"no puedo abrir",
    r"non (?:la )?trovo",
    r"non riesco ad aprire", r"(?:kan|kunnen) (?:hem |het )?niet (?:vinden|openen)", r"nao (?:a )?encontro",
    r"nao consigo abrir",
    rf"(?:don't|do not) (?:seem to )?have (?:this|the) {DOCUMENT}",
    rf"(?:n'ai|n'avons) pas (?:cette|la) {DOCUMENT}",
    rf"no tengo (?:esta|la) {DOCUMENT}", rf"non ho (?:questa|la) {DOCUMENT}", rf"heb deze {DOCUMENT} niet",
    rf"nao tenho (?:esta|a) {DOCUMENT}",
    r"no record of", r"aucune trace", r"nicht bekannt", r"no tenemos constancia", r"non abbiamo traccia",
    r"kennen deze",
    r"nao temos registo",
    rf"(?:where|ou|wo|donde|dov'e|waar|onde) (?:is|est|ist|esta|e)? ?(?:the |la |die |de |a )?{DOCUMENT}",
    r"please attach", r"merci de (?:la |le )?joindre", r"bitte (?:\w+ )?anhangen", r"adjunt(?:en|e)l[ao]",
    r"allegatel[ao]",
    r"graag bijvoegen", r"anexem-n[ao]",
    r"(?:ended up|went) (?:in|to) spam", r"partie en spam", r"im spam", r"acabo en spam", r"nello spam",
    r"in de spam", r"ao spam",
)  # fmt: skip
CHECK_REQUEST = any_of(  # "can you check your records?": part of "already paid", not a question of its own
    r"check", r"verif\w*", r"pruf\w*", r"compru\w*", r"revis\w*", r"controll\w*", r"controleer\w*",
    r"nakijk\w*", r"nagaan",
    r"kijkt? .{0,30}na", r"stop\w* sending", r"arreter", r"keine mahnungen",
)  # fmt: skip
# A request to send something: in a question, a copy of the invoice unless it names another thing.
SEND = any_of(
    r"(?:send|e-?mail|mail|forward|resend) (?:it|this|them)",
    r"(?:me |nous )?l'(?:envoyer|renvoyer|adresser|transmettre)|(?:la|le) (?:renvoyer|envoyer|transmettre)",
    r"sie (?:mir |uns )?(?:mailen|schicken|senden|zusenden|zukommen)",
    r"(?:me|nos) (?:la|lo) (?:\w+ )?(?:mandar|enviar|reenviar)|(?:mandar|enviar|reenviar)(?:mela|nosla)",
    r"(?:me|ce) la (?:\w+ )?(?:mandare|inviare|rimandare|mandate|inviate)",
    r"hem (?:\w+ )?(?:mailen|sturen|toesturen|doorsturen)",
    r"(?:manda|envia|reenvia)-la",
)
QUESTION_OPENING = any_of(
    r"(?:what|which|who|why|when|where|how|is|are|do|does|can|could|would|may)\b.*\?",
    r"(?:is it possible|est-il possible|ist es moglich"
    r"|es posible|e possibile|is het mogelijk|e possivel)",
)
